/** The KubernetesLogSource: Tetragon pods' logs read through the API server. */
export * from './types';
export { createKubernetesLogSource } from './createKubernetesLogSource';
