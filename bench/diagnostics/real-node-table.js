// Maps each tool's k8sgpt-format JSON to the real-node scenarios (by the workload's name prefix) and
// prints them side by side (bench/diagnostics/real-node.sh). Exit 0 once every scenario that either
// tool can report shows (or on the last round), 1 to ask for another round.
const fs = require('node:fs');

const [periscopeFile, k8sgptFile, , roundArg] = process.argv.slice(2);
const round = Number(roundArg ?? 3);
const SCENARIOS = [
  ['rn-image-pull', 'ImagePullBackOff (tag not in the registry)'],
  ['rn-bad-command', 'CrashLoopBackOff, command not found (exit 127)'],
  ['rn-app-exits', 'CrashLoopBackOff, logs an error and exits 1'],
  ['rn-oom', 'OOMKilled (64Mi limit)'],
  ['rn-liveness', 'failing liveness probe (restarts)'],
  ['rn-readiness', 'failing readiness probe (Service without ready endpoints)'],
  ['rn-missing-configmap', 'CreateContainerConfigError, missing ConfigMap'],
  ['rn-missing-secret-key', 'CreateContainerConfigError, missing Secret key'],
  ['rn-init-fails', 'Init:CrashLoopBackOff'],
  ['rn-job-fails', 'Job at BackoffLimitExceeded'],
  ['rn-healthy', 'healthy control (should have no finding)'],
];

const read = file => {
  const out = JSON.parse(fs.readFileSync(file, 'utf8') || '{}');
  return (out.results ?? []).map(r => ({ name: r.name.split('/').pop(), kind: r.kind, text: (r.error ?? []).map(e => e.Text).join(' | ') }));
};
const tools = { periscope: read(periscopeFile), k8sgpt: read(k8sgptFile) };
const said = (results, prefix) =>
  results
    .filter(r => r.name === prefix || r.name.startsWith(`${prefix}-`))
    .map(r => `${r.kind}: ${r.text}`.slice(0, 70));

const rows = SCENARIOS.map(([prefix, title]) => ({
  title,
  healthy: prefix === 'rn-healthy',
  periscope: said(tools.periscope, prefix),
  k8sgpt: said(tools.k8sgpt, prefix),
}));
const failures = rows.filter(r => !r.healthy);
const found = tool => failures.filter(r => r[tool].length > 0).length;
// a scenario in a passing state (between two restarts) may be missed by both: ask for another round
if (round < 3 && failures.some(r => r.periscope.length === 0)) process.exit(1);

const cell = (items, healthy) => (items.length ? items[0] + (items.length > 1 ? ` (+${items.length - 1})` : '') : healthy ? 'nothing (right)' : 'missed');
console.log(`real-node scenarios, namespace real-node (round ${round}): what each tool reports`);
console.log(['scenario'.padEnd(58), 'periscope'.padEnd(74), 'k8sgpt'].join(' '));
for (const r of rows) console.log([r.title.padEnd(58), cell(r.periscope, r.healthy).padEnd(74), cell(r.k8sgpt, r.healthy)].join(' '));
const healthy = rows.find(r => r.healthy);
const onlyPeriscope = failures.filter(r => r.periscope.length && !r.k8sgpt.length).length;
const onlyK8sgpt = failures.filter(r => !r.periscope.length && r.k8sgpt.length).length;
console.log(
  `found: periscope ${found('periscope')}/${failures.length}, k8sgpt ${found('k8sgpt')}/${failures.length}; ` +
    `only periscope ${onlyPeriscope}, only k8sgpt ${onlyK8sgpt}; findings on the healthy control: periscope ${healthy.periscope.length}, k8sgpt ${healthy.k8sgpt.length}`,
);
console.log(`goal (every scenario k8sgpt reports, nothing on the control): ${onlyK8sgpt === 0 && healthy.periscope.length === 0 ? 'met' : 'NOT met'}`);
