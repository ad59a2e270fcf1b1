// Writes the export-stdout "log" of the simulated Tetragon pod: the Tetragon reference corpus
// (current event types), every pod moved to namespace shop as pods of Deployment checkout labelled
// backstage.io/kubernetes-id=checkout, in CRI log format with timestamps ending now (event `time`
// fields too, so the findings are inside the retention period).
// Usage: node make-export-log.mjs <corpora dir> <output file>
import fs from 'node:fs';
import path from 'node:path';

const [corpora, out] = process.argv.slice(2);
if (!corpora || !out) {
  console.error('usage: node make-export-log.mjs <corpora dir> <output file>');
  process.exit(2);
}
const dir = path.join(corpora, 'tetragon', 'events');
if (!fs.existsSync(dir)) {
  console.error(`no Tetragon corpus at ${dir}: check out ../shared/corpora or set PERISCOPE_CORPORA`);
  process.exit(1);
}
const lines = fs
  .readdirSync(dir)
  .filter(f => f.startsWith('process_') && f.endsWith('.jsonl'))
  .sort()
  .flatMap(f => fs.readFileSync(path.join(dir, f), 'utf8').split('\n'))
  .filter(l => l.trim());

function relabel(line, at) {
  const obj = JSON.parse(line);
  // the simulated pod emits the events now: recorded times would fall outside the retention period
  if (typeof obj.time === 'string') obj.time = at.toISOString();
  const visit = v => {
    if (!v || typeof v !== 'object') return;
    if (v.pod && typeof v.pod === 'object' && typeof v.pod.namespace === 'string') {
      const suffix = String(v.pod.name ?? 'x').split('-').pop();
      v.pod.namespace = 'shop';
      v.pod.name = `checkout-7d9c6b5f4-${suffix}`;
      v.pod.workload = 'checkout';
      v.pod.workload_kind = 'Deployment';
      v.pod.pod_labels = { ...(v.pod.pod_labels ?? {}), app: 'checkout', 'backstage.io/kubernetes-id': 'checkout' };
    }
    for (const c of Object.values(v)) visit(c);
  };
  visit(obj);
  return JSON.stringify(obj);
}

const start = Date.now() - lines.length * 1000;
const text = lines
  .map((l, i) => {
    const at = new Date(start + i * 1000);
    return `${at.toISOString().replace('Z', '000000Z')} stdout F ${relabel(l, at)}\n`;
  })
  .join('');
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, text);
console.log(`${lines.length} events -> ${out}`);
