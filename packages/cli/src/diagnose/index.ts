export { runDiagnose, DIAGNOSE_EXIT } from './run';
export type { DiagnoseOptions, DiagnoseIo } from './run';
export {
  createKubeHttp,
  ClusterRequestError,
  scanCluster,
  fetchFailingPodLogs,
  isFailingPod,
} from '@periscope/backstage-plugin-k8s-diagnostics-node';
export type { KubeHttp } from '@periscope/backstage-plugin-k8s-diagnostics-node';
export { loadObjects } from './files';
