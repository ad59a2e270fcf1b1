/**
 * Loads a kubeconfig with @kubernetes/client-node and exits: bundled by run.sh to time what
 * loading the library costs a command that starts (the start-up table of driver.ts).
 *
 *   node kubeconfig-load.js KUBECONFIG
 */
import { KubeConfig } from '@kubernetes/client-node';

const kc = new KubeConfig();
kc.loadFromFile(process.argv[2]);
if (!kc.getCurrentCluster()) {
  process.stderr.write(
    `kubeconfig-load: ${process.argv[2]} has no current cluster\n`,
  );
  process.exit(1);
}
