import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Readable } from 'stream';
import { Command } from 'commander';
import { parseAllDocuments } from 'yaml';
import { registerSecurityCommand } from '../commands/security';
import { runSecurityAnalyze, type SecurityCliIo } from './analyze';
import type { JsonReport } from './format';

const CORPORA =
  process.env.PERISCOPE_CORPORA ??
  path.resolve(__dirname, '../../../../..', 'shared/corpora');
const EVENTS = path.join(CORPORA, 'tetragon', 'events');

let dir: string;
let allEvents: string;

function io(stdin = ''): SecurityCliIo & { stdout: string; stderr: string } {
  const r = {
    stdin: Readable.from([stdin]),
    stdout: '',
    stderr: '',
    out(s: string) {
      r.stdout += s;
    },
    err(s: string) {
      r.stderr += s;
    },
  };
  return r;
}

function write(name: string, text: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'periscope-security-'));
  const files = fs
    .readdirSync(EVENTS)
    .filter(f => fs.statSync(path.join(EVENTS, f)).isFile())
    .sort();
  allEvents = write(
    'all.jsonl',
    files.map(f => fs.readFileSync(path.join(EVENTS, f), 'utf8')).join(''),
  );
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('runSecurityAnalyze', () => {
  it('--output json: event counts and findings with the documented fields', async () => {
    const t = io();
    expect(
      await runSecurityAnalyze({ events: allEvents, output: 'json' }, t),
    ).toBe(0);
    const doc = JSON.parse(t.stdout) as JsonReport;
    const lineCount = fs
      .readFileSync(allEvents, 'utf8')
      .split('\n')
      .filter((_, i, a) => i < a.length - 1 || a[i] !== '').length;
    expect(doc.events.total).toBe(lineCount);
    expect(doc.events.parsed).toBe(54);
    expect(doc.events.byType).toEqual({
      process_exec: 24,
      process_exit: 10,
      process_kprobe: 18,
      process_throttle: 2,
    });
    expect(doc.events.skipped.legacy_type).toBe(11);
    const nsenter = doc.findings.find(
      f =>
        f.rule === 'host-namespace-entry' &&
        f.binary === '/usr/bin/nsenter' &&
        f.namespace === 'default' &&
        f.workload === 'privileged-pod',
    )!;
    expect(nsenter).toMatchObject({
      severity: 'critical',
      mitre: { id: 'T1611', name: 'Escape to Host' },
      pod: 'privileged-pod',
      arguments: '-t 1 -m -u -n -i -p bash',
      count: 1,
      firstSeen: '2022-01-19T11:16:29.378Z',
      lastSeen: '2022-01-19T11:16:29.378Z',
    });
    for (const key of [
      'rule',
      'severity',
      'title',
      'mitre',
      'namespace',
      'workload',
      'binary',
      'arguments',
      'count',
      'firstSeen',
      'lastSeen',
    ]) {
      expect(nsenter).toHaveProperty(key);
    }
    expect(t.stderr).toBe('');
  });

  it('--output text reads stdin with "-"', async () => {
    const t = io(
      fs.readFileSync(path.join(EVENTS, 'process_exec.jsonl'), 'utf8'),
    );
    expect(await runSecurityAnalyze({ events: '-', output: 'text' }, t)).toBe(
      0,
    );
    expect(t.stdout).toMatch(/^Events: 24 lines, 24 parsed\n/);
    expect(t.stdout).toContain(
      '[CRITICAL] host-namespace-entry: Process entered host namespaces',
    );
    expect(t.stdout).toContain('  mitre:   T1611 Escape to Host');
  });

  it('--output policyreport: YAML reports per namespace that parse back', async () => {
    const t = io();
    await runSecurityAnalyze(
      {
        events: allEvents,
        output: 'policyreport',
        reportApi: 'openreports.io/v1alpha1',
      },
      t,
    );
    const docs = parseAllDocuments(t.stdout).map(d => d.toJS());
    expect(docs.map(d => `${d.kind}/${d.metadata.namespace ?? ''}`)).toEqual([
      'ClusterReport/',
      'Report/default',
      'Report/demo-app',
      'Report/tenant-jobs',
    ]);
    for (const d of docs) {
      expect(d.apiVersion).toBe('openreports.io/v1alpha1');
      expect(d.summary.fail).toBe(d.results.length);
    }
  });

  it('--fail-on returns 3 when a finding is severe enough', async () => {
    expect(
      await runSecurityAnalyze(
        { events: allEvents, output: 'json', failOn: 'critical' },
        io(),
      ),
    ).toBe(3);
    const onlyExit = write(
      'exit.jsonl',
      fs.readFileSync(path.join(EVENTS, 'process_exit.jsonl'), 'utf8'),
    );
    expect(
      await runSecurityAnalyze(
        { events: onlyExit, output: 'json', failOn: 'info' },
        io(),
      ),
    ).toBe(0);
  });

  it('--debug prints skipped lines with number and reason; a file of no events warns', async () => {
    const bad = write(
      'bad.txt',
      fs.readFileSync(
        path.join(EVENTS, 'process_lsm-fragment-NOT-VALID-JSON.txt'),
        'utf8',
      ),
    );
    const t = io();
    await runSecurityAnalyze({ events: bad, output: 'json', debug: true }, t);
    expect(t.stderr).toContain('line 1: skipped (truncated_json)');
    expect(t.stderr).toContain('line 22: skipped (malformed_json)');
    expect(t.stderr).toMatch(
      /warning: none of the 22 lines of ".*bad.txt" was a Tetragon event/,
    );
  });

  it('applies custom rules from YAML and cluster CIDRs', async () => {
    const rules = write(
      'rules.yaml',
      'rules:\n  - id: curl-anywhere\n    title: curl run\n    severity: low\n    match:\n      binary: "*/curl"\n',
    );
    const t = io();
    await runSecurityAnalyze(
      {
        events: allEvents,
        output: 'json',
        rules,
        clusterCidr: ['34.116.0.0/16'],
      },
      t,
    );
    const doc = JSON.parse(t.stdout) as JsonReport;
    expect(doc.findings.filter(f => f.rule === 'curl-anywhere')).toHaveLength(
      2,
    );
    expect(
      doc.findings.filter(f => f.rule === 'egress-outside-cluster'),
    ).toHaveLength(0);
  });

  describe('errors', () => {
    it('names a missing events file and says what to pass', async () => {
      await expect(
        runSecurityAnalyze({ events: path.join(dir, 'nope.jsonl') }, io()),
      ).rejects.toThrow(
        /events file ".*nope.jsonl" does not exist; pass a Tetragon JSON export .* or - to read stdin/,
      );
      await expect(runSecurityAnalyze({ events: dir }, io())).rejects.toThrow(
        /events path ".*" is not a file/,
      );
    });

    it('names a missing rules file, bad YAML with its line, and an invalid rule with its field', async () => {
      await expect(
        runSecurityAnalyze(
          { events: allEvents, rules: path.join(dir, 'no.yaml') },
          io(),
        ),
      ).rejects.toThrow(/rules file ".*no.yaml" does not exist/);
      const badYaml = write('bad.yaml', 'rules:\n  - id: x\n   title: [\n');
      await expect(
        runSecurityAnalyze({ events: allEvents, rules: badYaml }, io()),
      ).rejects.toThrow(
        /rules file ".*bad.yaml" is not valid YAML at line \d+/,
      );
      const badRule = write(
        'badrule.yaml',
        '- id: ok-rule\n  title: t\n  severity: severe\n  match: { binary: "*/sh" }\n',
      );
      await expect(
        runSecurityAnalyze({ events: allEvents, rules: badRule }, io()),
      ).rejects.toThrow(
        /rules file ".*badrule.yaml": custom rule #1 \("ok-rule"\), field "severity": "severe" is not a severity; use one of critical, high, medium, low, info/,
      );
    });

    it('rejects a bad output, severity, CIDR or line limit', async () => {
      await expect(
        runSecurityAnalyze({ events: allEvents, output: 'xml' as never }, io()),
      ).rejects.toThrow(
        /--output "xml" is not supported; use json, text or policyreport/,
      );
      await expect(
        runSecurityAnalyze(
          { events: allEvents, failOn: 'urgent' as never },
          io(),
        ),
      ).rejects.toThrow(/--fail-on "urgent" is not a severity/);
      await expect(
        runSecurityAnalyze(
          { events: allEvents, clusterCidr: ['10.0.0.0/40'] },
          io(),
        ),
      ).rejects.toThrow(
        /clusterCidrs: "10.0.0.0\/40" has an invalid prefix length/,
      );
      await expect(
        runSecurityAnalyze({ events: allEvents, maxLineBytes: -1 }, io()),
      ).rejects.toThrow(/--max-line-bytes must be a positive integer/);
    });
  });
});

describe('registerSecurityCommand', () => {
  it('wires "security analyze" options to runSecurityAnalyze', async () => {
    const t = io();
    const program = new Command('periscope').exitOverride();
    registerSecurityCommand(program, t);
    await program.parseAsync(
      [
        'security',
        'analyze',
        '--events',
        allEvents,
        '-o',
        'json',
        '--cluster-cidr',
        '10.0.0.0/8,192.168.0.0/16',
      ],
      { from: 'user' },
    );
    expect((JSON.parse(t.stdout) as JsonReport).events.parsed).toBe(54);
  });

  it('requires --events', async () => {
    const program = new Command('periscope')
      .exitOverride()
      .configureOutput({ writeErr: () => {} });
    registerSecurityCommand(program, io());
    await expect(
      program.parseAsync(['security', 'analyze'], { from: 'user' }),
    ).rejects.toThrow(/required option '--events <file\|->' not specified/);
  });
});
