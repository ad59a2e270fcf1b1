#!/usr/bin/env node
// Turns a kubeconfig (the one ./scripts/cluster up prints) into the Backstage `kubernetes`
// config section, so the portal reads the local cluster through the standard config.
// usage: node scripts/lib/cluster-app-config.js <kubeconfig> [cluster-name] > app-config.cluster.yaml
const fs = require('node:fs');
const yaml = require('yaml');

const [file, name = 'local'] = process.argv.slice(2);
if (!file) {
  console.error('usage: cluster-app-config.js <kubeconfig> [cluster-name]');
  process.exit(2);
}
let kc;
try {
  kc = yaml.parse(fs.readFileSync(file, 'utf8'));
} catch (e) {
  console.error(`cannot read kubeconfig ${file}: ${e.message}. Run ./scripts/cluster up first.`);
  process.exit(1);
}
const ctx = (kc.contexts || []).find(c => c.name === kc['current-context']) || (kc.contexts || [])[0];
const cluster = ctx && (kc.clusters || []).find(c => c.name === ctx.context.cluster);
const user = ctx && (kc.users || []).find(u => u.name === ctx.context.user);
if (!cluster || !user || !user.user || !user.user.token) {
  console.error(`kubeconfig ${file} has no current context with a cluster and a token user; it must be the one ./scripts/cluster up writes`);
  process.exit(1);
}
const c = cluster.cluster;
let caData = c['certificate-authority-data'];
if (!caData && c['certificate-authority']) caData = fs.readFileSync(c['certificate-authority']).toString('base64');
const out = {
  kubernetes: {
    serviceLocatorMethod: { type: 'multiTenant' },
    clusterLocatorMethods: [
      {
        type: 'config',
        clusters: [
          {
            name,
            url: c.server,
            authProvider: 'serviceAccount',
            serviceAccountToken: user.user.token,
            ...(caData ? { caData } : { skipTLSVerify: true }),
            skipMetricsLookup: true,
          },
        ],
      },
    ],
  },
};
process.stdout.write(`# generated from ${file} by scripts/lib/cluster-app-config.js; do not commit\n${yaml.stringify(out)}`);
