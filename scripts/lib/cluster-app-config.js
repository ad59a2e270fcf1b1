#!/usr/bin/env node
// The Backstage config that points the portal at the local control plane (./scripts/cluster up),
// through the standard `kubernetes` section. Used by ./scripts/start and ./scripts/test.
//
// usage: node scripts/lib/cluster-app-config.js [--config-cluster] [--base FILE]... <kubeconfig> [cluster-name] > app-config.cluster.yaml
//
// Default (catalog): the Kubernetes plugin's catalog cluster locator finds the Resource entity
// examples/local-cluster.yaml (cluster `local`, http://127.0.0.1:18001, the `kubectl proxy` that
// `scripts/cluster up` runs; authProvider localKubectlProxy). The output holds
//   - kubernetes.clusterLocatorMethods: [{type: catalog}] allowing the loopback URL
//     (dangerouslyAllowClusterUrls) and its plain HTTP (dangerouslyAllowSkipTLSVerify);
//   - catalog.locations: those of the base config files plus examples/local-cluster.yaml (and
//     examples/real-node.yaml when the cluster runs the real node: real-node/enabled in its state dir).
//     Backstage replaces arrays rather than merging them, so the base locations are repeated; the
//     base files are --base (default: app-config.yaml and app-config.local.yaml of the repository,
//     where present; the last one that lists catalog.locations wins, as in Backstage).
// The kubeconfig's state dir (cluster.env) must record the proxy port that the entity names.
//
// --config-cluster: the former output, one `type: config` cluster named [cluster-name] (default
// local) with the kubeconfig's server, CA and bearer token (authProvider serviceAccount).
const fs = require('node:fs');
const path = require('node:path');
const yaml = require('yaml');

const ROOT = path.resolve(__dirname, '../..');
const ENTITY_FILE = path.join(ROOT, 'examples/local-cluster.yaml');
const REAL_NODE_ENTITIES = path.join(ROOT, 'examples/real-node.yaml');
const USAGE =
  'usage: cluster-app-config.js [--config-cluster] [--base FILE]... <kubeconfig> [cluster-name]';

function die(message) {
  console.error(message);
  process.exit(1);
}

const args = process.argv.slice(2);
let configCluster = false;
const bases = [];
const positional = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--config-cluster') configCluster = true;
  else if (a === '--base') {
    if (!args[i + 1]) {
      console.error(`--base needs a file\n${USAGE}`);
      process.exit(2);
    }
    bases.push(args[++i]);
  } else if (a.startsWith('--base=')) bases.push(a.slice('--base='.length));
  else if (a === '-h' || a === '--help') {
    console.log(USAGE);
    process.exit(0);
  } else if (a.startsWith('--')) {
    console.error(`unknown option ${a}\n${USAGE}`);
    process.exit(2);
  } else positional.push(a);
}
const [file, name = 'local'] = positional;
if (!file) {
  console.error(USAGE);
  process.exit(2);
}
let kc;
try {
  kc = yaml.parse(fs.readFileSync(file, 'utf8'));
} catch (e) {
  die(`cannot read kubeconfig ${file}: ${e.message}. Run ./scripts/cluster up first.`);
}
const ctx =
  (kc?.contexts || []).find(c => c.name === kc['current-context']) || (kc?.contexts || [])[0];
const cluster = ctx && (kc.clusters || []).find(c => c.name === ctx.context.cluster);
const user = ctx && (kc.users || []).find(u => u.name === ctx.context.user);
if (!cluster || !user || !user.user || !user.user.token) {
  die(
    `kubeconfig ${file} has no current context with a cluster and a token user; it must be the one ./scripts/cluster up writes`,
  );
}

const header = `# generated from ${file} by scripts/lib/cluster-app-config.js${
  configCluster ? ' --config-cluster' : ''
}; do not commit\n`;
process.stdout.write(header + yaml.stringify(configCluster ? configClusterOutput() : catalogOutput()));

/** One `type: config` cluster with the kubeconfig's server, CA and token. */
function configClusterOutput() {
  const c = cluster.cluster;
  let caData = c['certificate-authority-data'];
  if (!caData && c['certificate-authority'])
    caData = fs.readFileSync(c['certificate-authority']).toString('base64');
  return {
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
}

/** The catalog locator plus the location of examples/local-cluster.yaml. */
function catalogOutput() {
  let entity;
  try {
    entity = yaml.parse(fs.readFileSync(ENTITY_FILE, 'utf8'));
  } catch (e) {
    die(`cannot read ${ENTITY_FILE}: ${e.message}`);
  }
  const entityName = entity?.metadata?.name;
  const apiServer = entity?.metadata?.annotations?.['kubernetes.io/api-server'];
  if (!entityName || !apiServer) die(`${ENTITY_FILE} names no cluster (metadata.name, kubernetes.io/api-server)`);
  if (name !== entityName) {
    die(
      `the catalog entity ${path.relative(ROOT, ENTITY_FILE)} is cluster '${entityName}', not '${name}'; use --config-cluster for another cluster name`,
    );
  }
  const url = new URL(apiServer);
  const entityPort = url.port || (url.protocol === 'https:' ? '443' : '80');
  // the proxy port of this kubeconfig's cluster (scripts/cluster records it in cluster.env)
  const envFile = path.join(path.dirname(path.resolve(file)), 'cluster.env');
  let env;
  try {
    env = fs.readFileSync(envFile, 'utf8');
  } catch {
    die(
      `${envFile} is missing: the catalog entity describes the cluster ./scripts/cluster up runs (its kubectl proxy); for another kubeconfig use --config-cluster`,
    );
  }
  const proxyPort = /^CLUSTER_KUBECTL_PROXY_PORT=(\d+)$/m.exec(env)?.[1];
  if (!proxyPort) {
    die(
      `the cluster of ${file} records no kubectl proxy in ${envFile} (started before scripts/cluster ran one): run ./scripts/cluster up again, which adds it`,
    );
  }
  if (proxyPort !== entityPort) {
    die(
      `the cluster's kubectl proxy listens on port ${proxyPort} (PERISCOPE_KUBECTL_PROXY_PORT), but ${path.relative(
        ROOT,
        ENTITY_FILE,
      )} names ${apiServer}: use the default port 18001, or --config-cluster`,
    );
  }
  return {
    kubernetes: {
      serviceLocatorMethod: { type: 'multiTenant' },
      clusterLocatorMethods: [
        {
          type: 'catalog',
          // a loopback address and plain HTTP are refused unless allowed here (the entity's
          // kubernetes.io/skip-tls-verify is honoured only with dangerouslyAllowSkipTLSVerify)
          dangerouslyAllowClusterUrls: [url.hostname],
          dangerouslyAllowSkipTLSVerify: true,
        },
      ],
    },
    catalog: {
      locations: [
        ...baseLocations(),
        { type: 'file', target: ENTITY_FILE, rules: [{ allow: ['Resource'] }] },
        // the real node's scenarios, when this cluster runs one (scripts/cluster up --real-node)
        ...(fs.existsSync(path.join(path.dirname(path.resolve(file)), 'real-node', 'enabled'))
          ? [{ type: 'file', target: REAL_NODE_ENTITIES, rules: [{ allow: ['Component', 'System'] }] }]
          : []),
      ],
    },
  };
}

/** catalog.locations of the last base config file that lists them. */
function baseLocations() {
  const files = bases.length
    ? bases
    : ['app-config.yaml', 'app-config.local.yaml']
        .map(f => path.join(ROOT, f))
        .filter(f => fs.existsSync(f));
  let locations = [];
  for (const f of files) {
    let doc;
    try {
      doc = yaml.parse(fs.readFileSync(f, 'utf8')) || {};
    } catch (e) {
      die(`cannot read base config ${f}: ${e.message}`);
    }
    if (Array.isArray(doc.catalog?.locations)) locations = doc.catalog.locations;
  }
  return locations.filter(l => !(l.type === 'file' && path.basename(String(l.target)) === path.basename(ENTITY_FILE)));
}
