#!/usr/bin/env node
// The checks of scripts/lib/two-backends-test.sh against two running backends (A and B) on one
// PostgreSQL: concurrent scans, concurrent deploys, and a SIGKILL of A during an ingest. Prints one
// line per check and `N passed, N failed` last; exits non-zero on any failure.
const fs = require('node:fs');
const path = require('node:path');
const { Client } = require('pg');

const env = name => {
  const v = process.env[name];
  if (!v) {
    console.error(`${name} is unset: run scripts/lib/two-backends-test.sh`);
    process.exit(2);
  }
  return v;
};
const A = env('PERISCOPE_2B_A');
const B = env('PERISCOPE_2B_B');
const PGID_A = Number(env('PERISCOPE_2B_PGID_A'));
const TOKEN = env('PERISCOPE_2B_TOKEN');
const INGEST_TOKEN = env('PERISCOPE_2B_INGEST_TOKEN');
const ENTITY = env('PERISCOPE_2B_ENTITY');
const NS = env('PERISCOPE_2B_NS');
const PREFIX = env('PERISCOPE_2B_PREFIX');
const PG_URL = env('PERISCOPE_PG_URL');
const ROOT = path.resolve(__dirname, '../..');
const CORPORA = process.env.PERISCOPE_CORPORA || path.resolve(ROOT, '..', 'shared/corpora');

let passed = 0;
let failed = 0;
function check(name, ok, detail = '') {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? `: ${detail}` : ''}`);
  return ok;
}
/** Every HTTP answer, for the no-500 check: [where, status]. */
const answers = [];
const t0 = Date.now();
const since = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;

async function call(base, method, url, body, headers = {}) {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  answers.push([`${method} ${base === A ? 'A' : 'B'}${url.split('?')[0]}`, res.status, text.slice(0, 300)]);
  return { status: res.status, text };
}
const json = r => {
  try {
    return JSON.parse(r.text);
  } catch {
    return undefined;
  }
};

async function db(plugin, sql, params = []) {
  const c = new Client({ connectionString: `${PG_URL}/${PREFIX}${plugin}` });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows;
  } finally {
    await c.end();
  }
}

async function waitForEntity() {
  const [, ns, name] = ENTITY.match(/^component:([^/]+)\/(.+)$/);
  for (let i = 0; i < 180; i++) {
    const r = await Promise.all(
      [A, B].map(base =>
        fetch(`${base}/api/catalog/entities/by-name/component/${ns}/${name}`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        }).then(x => x.status, () => 0),
      ),
    );
    if (r.every(s => s === 200)) return true;
    await new Promise(res => setTimeout(res, 1000));
  }
  return false;
}

const findingIds = health => (health?.groups ?? []).flatMap(g => g.findings ?? []).map(f => f.id).sort();

async function scans() {
  const N = 6;
  const rs = await Promise.all(
    Array.from({ length: N }, (_, i) => call(i % 2 ? B : A, 'POST', '/api/k8s-diagnostics/entity/rescan', { entityRef: ENTITY })),
  );
  check(`${N} concurrent scans of ${ENTITY} through A and B answer 200`, rs.every(r => r.status === 200), rs.map(r => r.status).join(' '));
  const sets = rs.map(r => findingIds(json(r)).join(','));
  const viaA = json(await call(A, 'GET', `/api/k8s-diagnostics/entity?entityRef=${encodeURIComponent(ENTITY)}`));
  const viaB = json(await call(B, 'GET', `/api/k8s-diagnostics/entity?entityRef=${encodeURIComponent(ENTITY)}`));
  const open = findingIds(viaA);
  check('the scans find the four Services without endpoints', open.length >= 4, `${open.length} open findings`);
  check('A and B show the same open findings', open.join(',') === findingIds(viaB).join(','));
  check('every concurrent scan saw the same findings as the stored result', sets.every(s => s === open.join(',')));
  const rows = await db('k8s-diagnostics', 'select id, resolved_at from k8s_diagnostics_findings where scope = $1', [ENTITY]);
  check(
    'one finding row per finding, none resolved by a concurrent scan',
    rows.length === open.length && rows.every(r => r.resolved_at === null) && new Set(rows.map(r => r.id)).size === rows.length,
    `${rows.length} rows`,
  );
  const scanRows = await db('k8s-diagnostics', 'select count(*)::int as n from k8s_diagnostics_scans where scope = $1', [ENTITY]);
  // a process runs one scan of a scope at a time and answers the rescans that arrive meanwhile with
  // it: at least one scan a process, at most one a request
  check('each process recorded its scans', scanRows[0].n >= 2 && scanRows[0].n <= N, `${scanRows[0].n} scan rows for ${N} requests`);
}

/** The `done` event of a deploy's NDJSON stream. */
function doneOf(text) {
  const lines = text.split('\n').filter(Boolean).map(l => {
    try {
      return JSON.parse(l);
    } catch {
      return {};
    }
  });
  return lines.find(e => e.type === 'done');
}

async function deploys() {
  const N = 4;
  const rs = await Promise.all(
    Array.from({ length: N }, (_, i) =>
      call(i % 2 ? B : A, 'POST', `/api/module-deploy/entity/deploy?entityRef=${encodeURIComponent(ENTITY)}`, { values: {} }),
    ),
  );
  const done = rs.map(r => doneOf(r.text));
  check(`${N} concurrent deploys of one instance through A and B answer 200`, rs.every(r => r.status === 200), rs.map(r => r.status).join(' '));
  const ok = done.every(d => d?.ok === true);
  check('every deploy succeeds', ok, ok ? '' : rs.map(r => r.text.split('\n').filter(Boolean).slice(-2).join(' | ').slice(0, 400)).join(' || '));
  const revisions = done.flatMap(d => (d?.results ?? []).map(x => x.revision)).sort((a, b) => a - b);
  check(
    `the deploys got revisions 1..${N}, each once`,
    revisions.join(',') === Array.from({ length: N }, (_, i) => i + 1).join(','),
    revisions.join(','),
  );
  for (const [name, base] of [['A', A], ['B', B]]) {
    const h = json(await call(base, 'GET', `/api/module-deploy/entity/history?entityRef=${encodeURIComponent(ENTITY)}`));
    const got = (h?.revisions ?? []).map(r => r.revision).sort((a, b) => a - b);
    check(`the history through ${name} holds revisions 1..${N}, each once`, got.join(',') === revisions.join(','), got.join(','));
  }
  const rows = await db(
    'module-deploy',
    'select revision from module_deploy_revisions where entity_ref = $1 order by revision',
    [ENTITY],
  );
  check(`the revisions table holds 1..${N}, each once`, rows.map(r => r.revision).join(',') === revisions.join(','), rows.map(r => r.revision).join(','));
  const audit = await db('module-deploy', "select count(*)::int as n from module_deploy_audit where entity_ref = $1 and result = 'success'", [ENTITY]);
  check(`the audit table holds ${N} successful deploys`, audit[0].n === N, `${audit[0].n}`);
}

/** The Tetragon corpus moved into the test namespace and to recent times, in `copies` copies. */
function eventBodies(copies, perBody) {
  const dir = path.join(CORPORA, 'tetragon', 'events');
  const lines = fs
    .readdirSync(dir)
    .filter(f => f.startsWith('process_') && f.endsWith('.jsonl'))
    .sort()
    .flatMap(f => fs.readFileSync(path.join(dir, f), 'utf8').split('\n'))
    .filter(l => l.trim());
  const base = Date.now() - 3600_000;
  const out = [];
  for (let c = 0; c < copies; c++) {
    lines.forEach((line, i) => {
      const obj = JSON.parse(line);
      const visit = v => {
        if (!v || typeof v !== 'object') return;
        if (v.pod && typeof v.pod === 'object' && typeof v.pod.namespace === 'string') {
          v.pod.namespace = NS;
          v.pod.workload = 'web';
          v.pod.workload_kind = 'Deployment';
          v.pod.name = `web-7d9c6b5f4-${String(v.pod.name).split('-').pop()}`;
        }
        for (const child of Object.values(v)) visit(child);
      };
      visit(obj);
      // a distinct time per copy and line: a distinct event id (node, exec id, time, type)
      obj.time = new Date(base + c * 10_000 + i * 10).toISOString();
      out.push(JSON.stringify(obj));
    });
  }
  const bodies = [];
  for (let i = 0; i < out.length; i += perBody) bodies.push(`${out.slice(i, i + perBody).join('\n')}\n`);
  return bodies;
}

const ingest = (base, cluster, source, body) =>
  call(base, 'POST', `/api/runtime-security/ingest?cluster=${cluster}&source=${source}`, body, {
    'x-periscope-ingest-token': INGEST_TOKEN,
    'content-type': 'application/x-ndjson',
    authorization: '',
  });

/** Finding counts of a cluster by what the finding is (rule, namespace, workload, binary). */
async function countsOf(cluster) {
  const r = json(await call(B, 'GET', `/api/runtime-security/findings?cluster=${cluster}&namespace=${NS}&limit=5000`));
  const items = r?.items ?? r?.findings ?? (Array.isArray(r) ? r : []);
  const out = {};
  for (const f of items) out[`${f.rule} ${f.namespace} ${f.workload} ${f.binary}`] = (out[`${f.rule} ${f.namespace} ${f.workload} ${f.binary}`] ?? 0) + f.count;
  return out;
}

async function killDuringIngest() {
  const bodies = eventBodies(60, 270);
  const total = bodies.reduce((n, b) => n + b.split('\n').filter(Boolean).length, 0);
  // the reference: the same events, one body at a time, through B alone
  for (const [i, b] of bodies.entries()) {
    const r = await ingest(B, 'ref', `ref-${i}`, b);
    if (r.status !== 200) return check('the reference ingest through B answers 200', false, `${r.status} ${r.text.slice(0, 200)}`);
  }
  const ref = await countsOf('ref');
  check('the reference ingest found findings', Object.keys(ref).length > 0, `${Object.keys(ref).length} findings, ${total} events`);

  // all bodies to A at once; A is killed (its whole process group, SIGKILL) while it works
  let firstStored;
  const stored = new Promise(res => (firstStored = res));
  const sent = bodies.map((b, i) =>
    ingest(A, 'kill', `agent-${i}`, b).then(
      r => {
        if (r.status === 200) firstStored();
        return { done: true, status: r.status };
      },
      e => ({ done: false, error: String(e.cause?.code ?? e.message) }),
    ),
  );
  // killed once A has stored a first body (or after 3 s), while it works on the others
  await Promise.race([stored, new Promise(res => setTimeout(res, 3000))]);
  process.kill(-PGID_A, 'SIGKILL');
  const killedAt = since();
  const onA = await Promise.all(sent);
  const cut = onA.filter(r => !r.done).length;
  check(
    'A was killed while it ingested (some requests cut off)',
    cut > 0,
    `${onA.length - cut} answered before the kill (${onA.filter(r => r.done).map(r => r.status).join(' ')}), ${cut} cut off at ${killedAt}`,
  );
  const partial = await db(
    'runtime-security',
    "select count(*)::int as n from runtime_security_finding_events e join runtime_security_findings f on f.id = e.finding_id where f.cluster = 'kill'",
  );
  console.log(`     events A committed before it died: ${partial[0].n} of ${total}`);

  // the agents send again, to B
  const retried = [];
  for (const [i, b] of bodies.entries()) retried.push(await ingest(B, 'kill', `agent-${i}`, b));
  check('the retried ingest through B answers 200', retried.every(r => r.status === 200), retried.map(r => r.status).join(' '));
  const after = await countsOf('kill');
  const diff = Object.keys({ ...ref, ...after }).filter(k => ref[k] !== after[k]);
  check(
    'finding counts after the kill and the retry equal the reference (none lost, none counted twice)',
    diff.length === 0,
    diff.length ? diff.slice(0, 5).map(k => `${k}: ref ${ref[k]}, got ${after[k]}`).join('; ') : `${Object.keys(after).length} findings`,
  );
  const again = [];
  for (const [i, b] of bodies.entries()) again.push(json(await ingest(B, 'kill', `agent-${i}`, b)));
  const newEvents = again.reduce((n, r) => n + Number(r?.newEvents ?? r?.stored ?? 0), 0);
  check('sending the events a third time adds no event', newEvents === 0 && again.every(Boolean), `${newEvents} new events`);
  // B still answers a scan after A is gone
  const s = await call(B, 'POST', '/api/k8s-diagnostics/entity/rescan', { entityRef: ENTITY });
  check('B still scans after A was killed', s.status === 200, String(s.status));
}

async function main() {
  if (!check('the entity is in the catalog of A and B', await waitForEntity())) return;
  console.log(`-- concurrent scans (${since()})`);
  await scans();
  console.log(`-- concurrent deploys (${since()})`);
  await deploys();
  console.log(`-- SIGKILL during ingest (${since()})`);
  await killDuringIngest();
  const errors = answers.filter(([, status]) => status >= 500);
  check('no answer was a 5xx', errors.length === 0, errors.slice(0, 5).map(([w, s, t]) => `${w} ${s} ${t}`).join('; '));
  console.log(`-- done (${since()})`);
}

main()
  .catch(e => check('the checks ran', false, e.stack ?? String(e)))
  .finally(() => {
    console.log(`${passed} passed, ${failed} failed`);
    process.exit(failed ? 1 : 0);
  });
