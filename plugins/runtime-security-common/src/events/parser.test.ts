import {
  createEventStreamParser,
  createLineSplitter,
  parseEventLine,
} from './parser';
import {
  LEGACY_TETRAGON_EVENT_TYPES,
  TETRAGON_EVENT_TYPES,
  type SkippedLine,
} from './types';
import {
  corpusEventFiles,
  corpusLine,
  corpusLines,
} from '../__testUtils__/corpus';

const KNOWN = new Set<string>(TETRAGON_EVENT_TYPES);
const LEGACY = new Set<string>(LEGACY_TETRAGON_EVENT_TYPES);

function tryParse(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/**
 * Independent check for "this line is a cut-off JSON document": some way of
 * closing its open strings/brackets makes it valid JSON.
 */
function isJsonPrefix(line: string): boolean {
  const stack: string[] = [];
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') stack.push('}');
    else if (c === '[') stack.push(']');
    else if (c === '}' || c === ']') {
      if (stack.pop() !== c) return false;
    }
  }
  if (stack.length === 0 && !inString) return false;
  const closers = stack.reverse().join('');
  const trimmed = line.trimEnd();
  const fillers = inString
    ? ['"', '":null']
    : ['', 'null', '"x":null', ':null', '0'];
  return fillers.some(f => {
    const base =
      trimmed.endsWith(',') && f === '' ? trimmed.slice(0, -1) : trimmed;
    return tryParse(base + f + closers) !== undefined;
  });
}

interface Expected {
  parsed: number;
  legacy: number;
  unknown: number;
  truncated: number;
  malformed: number;
  empty: number;
  byType: Record<string, number>;
}

/** Counts computed from the file alone, without the parser under test. */
function expectedCounts(lines: string[]): Expected {
  const e: Expected = {
    parsed: 0,
    legacy: 0,
    unknown: 0,
    truncated: 0,
    malformed: 0,
    empty: 0,
    byType: {},
  };
  for (const line of lines) {
    if (line.trim() === '') {
      e.empty++;
      continue;
    }
    const v = tryParse(line);
    if (v === undefined) {
      if (isJsonPrefix(line)) e.truncated++;
      else e.malformed++;
      continue;
    }
    const keys = Object.keys(v as object);
    const known = keys.find(k => KNOWN.has(k));
    if (known) {
      e.parsed++;
      e.byType[known] = (e.byType[known] ?? 0) + 1;
    } else if (keys.some(k => LEGACY.has(k))) e.legacy++;
    else e.unknown++;
  }
  return e;
}

describe('parser over every corpus file', () => {
  const files = corpusEventFiles();

  it('finds the corpus files', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'process_exec.jsonl',
        'process_exit.jsonl',
        'process_kprobe.jsonl',
        'process_throttle.jsonl',
        'legacy-process_connect.jsonl',
        'process_lsm-fragment-NOT-VALID-JSON.txt',
      ]),
    );
  });

  it.each(files)(
    '%s: every valid line parsed, every bad line counted by reason',
    file => {
      const lines = corpusLines(file);
      const want = expectedCounts(lines);
      const skippedLines: SkippedLine[] = [];
      const parser = createEventStreamParser({
        onSkip: s => skippedLines.push(s),
      });
      const events = lines.map(l => parser.push(l));
      const stats = parser.stats();

      expect(stats.total).toBe(lines.length);
      expect(stats.parsed).toBe(want.parsed);
      expect(stats.byType).toEqual(want.byType);
      expect(stats.skipped.legacy_type ?? 0).toBe(want.legacy);
      expect(stats.skipped.unknown_type ?? 0).toBe(want.unknown);
      expect(stats.skipped.truncated_json ?? 0).toBe(want.truncated);
      expect(stats.skipped.malformed_json ?? 0).toBe(want.malformed);
      expect(stats.skipped.empty_line ?? 0).toBe(want.empty);
      const skippedTotal = Object.values(stats.skipped).reduce(
        (a, b) => a + (b ?? 0),
        0,
      );
      expect(stats.parsed + skippedTotal).toBe(lines.length);

      // The callback got exactly the skipped lines, with their 1-based numbers.
      const skippedNumbers = lines
        .map((_, i) => i + 1)
        .filter(n => events[n - 1] === undefined);
      expect(skippedLines.map(s => s.line)).toEqual(skippedNumbers);
      for (const s of skippedLines) {
        expect(s.excerpt).toBe(lines[s.line - 1].slice(0, 120));
        expect(s.detail.length).toBeGreaterThan(0);
      }
      // Every parsed event carries its line number and a process unless it has none by type.
      const parsedEvents = events.filter(ev => ev !== undefined);
      expect(parsedEvents.every(ev => ev!.line! > 0)).toBe(true);
      const withProcess = parsedEvents.filter(
        ev => ev!.type !== 'process_throttle' && ev!.type !== 'rate_limit_info',
      );
      expect(
        withProcess.filter(ev => !ev!.process?.execId || !ev!.process?.binary),
      ).toEqual([]);
    },
  );

  it('has known totals for the corpus as a whole (54 current-type events, 11 legacy, a 22-line fragment)', () => {
    const parser = createEventStreamParser();
    for (const f of files) for (const l of corpusLines(f)) parser.push(l);
    const s = parser.stats();
    expect(s.parsed).toBe(54);
    expect(s.byType).toEqual({
      process_exec: 24,
      process_exit: 10,
      process_kprobe: 18,
      process_throttle: 2,
    });
    expect(s.skipped.legacy_type).toBe(11);
    expect(
      (s.skipped.truncated_json ?? 0) + (s.skipped.malformed_json ?? 0),
    ).toBe(22);
  });

  it('classifies the lsm fragment: its unclosed "{" lines are truncated, the rest malformed', () => {
    const lines = corpusLines('process_lsm-fragment-NOT-VALID-JSON.txt');
    const reasons = lines.map(l => {
      const r = parseEventLine(l);
      return r.ok ? 'ok' : r.reason;
    });
    expect(reasons[0]).toBe('truncated_json'); // "{"
    expect(reasons[3]).toBe('malformed_json'); // "        ..."
    expect(reasons[lines.length - 1]).toBe('malformed_json'); // "}"
    expect(reasons).not.toContain('ok');
  });
});

describe('parseEventLine on bad input', () => {
  const exec = corpusLine('process_exec.jsonl', 1);

  it('reports a cut-off line as truncated_json', () => {
    const r = parseEventLine(exec.slice(0, Math.floor(exec.length / 2)));
    expect(r).toMatchObject({ ok: false, reason: 'truncated_json' });
  });

  it('reports lines over the size limit as too_large, counting UTF-8 bytes', () => {
    expect(parseEventLine(exec, { maxLineBytes: 100 })).toMatchObject({
      ok: false,
      reason: 'too_large',
    });
    // 40 three-byte characters are 120 bytes though only 40 UTF-16 units.
    const wide = `{"process_exec":{"process":{"exec_id":"a","binary":"${'€'.repeat(
      40,
    )}"}}}`;
    const bytes = Buffer.byteLength(wide, 'utf8');
    expect(wide.length).toBeLessThan(bytes - 1);
    expect(parseEventLine(wide, { maxLineBytes: bytes })).toMatchObject({
      ok: true,
    });
    expect(parseEventLine(wide, { maxLineBytes: bytes - 1 })).toMatchObject({
      ok: false,
      reason: 'too_large',
    });
    expect(parseEventLine(exec)).toMatchObject({ ok: true });
  });

  it.each([
    ['', 'empty_line'],
    ['   \r', 'empty_line'],
    ['42', 'not_an_object'],
    ['[{"process_exec":{}}]', 'not_an_object'],
    ['null', 'not_an_object'],
    ['{"node_name":"n","time":"2024-01-01T00:00:00Z"}', 'unknown_type'],
    ['{"process_teleport":{"process":{}}}', 'unknown_type'],
    ['{"process_connect":{"process":{"exec_id":"x"}}}', 'legacy_type'],
    ['{"process_exec":"not an object"}', 'invalid_event'],
    ['{"process_exec":{"process":{}}}', 'invalid_event'],
    ['{"process_kprobe":{"function_name":"x"}}', 'invalid_event'],
    ['{"process_exec":{', 'truncated_json'],
    ['{"process_exec":{"process":{"binary":"/bin/sh', 'truncated_json'],
    ['{process_exec: 1}', 'malformed_json'],
    ['{"a":1}}', 'malformed_json'],
  ])('%j -> %s', (line, reason) => {
    const r = parseEventLine(line);
    expect(r).toMatchObject({
      ok: false,
      reason,
      detail: expect.stringMatching(/./),
    });
  });

  it('keeps streaming after bad lines and numbers lines from 1', () => {
    const skipped: SkippedLine[] = [];
    const p = createEventStreamParser({
      onSkip: s => skipped.push(s),
      maxLineBytes: 64 * 1024,
    });
    const input = [exec, '{"broken', '', 'x'.repeat(70 * 1024), exec];
    const out = input.map(l => p.push(l));
    expect(out.map(e => e?.type)).toEqual([
      'process_exec',
      undefined,
      undefined,
      undefined,
      'process_exec',
    ]);
    expect(out[4]?.line).toBe(5);
    expect(skipped.map(s => [s.line, s.reason])).toEqual([
      [2, 'truncated_json'],
      [3, 'empty_line'],
      [4, 'too_large'],
    ]);
    expect(p.stats()).toEqual({
      total: 5,
      parsed: 2,
      skipped: { empty_line: 1, too_large: 1, truncated_json: 1 },
      byType: { process_exec: 2 },
    });
  });

  it('finds the event key even when envelope fields come first', () => {
    const r = parseEventLine(
      '{"time":"2024-01-01T00:00:00Z","node_name":"n1","process_throttle":{"type":"THROTTLE_START","cgroup":"c"}}',
    );
    expect(r).toMatchObject({
      ok: true,
      event: { type: 'process_throttle', node: 'n1' },
    });
  });
});

describe('createLineSplitter', () => {
  it('joins chunks into lines and strips CR', () => {
    const s = createLineSplitter();
    expect(s.push('ab')).toEqual([]);
    expect(s.push('c\r\nde\nf')).toEqual(['abc', 'de']);
    expect(s.push('g\n\n')).toEqual(['fg', '']);
    expect(s.push('tail\r')).toEqual([]);
    expect(s.end()).toEqual(['tail']);
    expect(s.end()).toEqual([]);
  });

  it('keeps only maxLineBytes + 1 of an over-long line, which the parser then skips as too_large', () => {
    const s = createLineSplitter({ maxLineBytes: 8 });
    for (let i = 0; i < 1000; i++) expect(s.push('0123456789')).toEqual([]);
    const [long, next] = s.push('end\nok\n');
    expect([long, next]).toEqual(['012345678', 'ok']);
    expect(parseEventLine(long, { maxLineBytes: 8 })).toMatchObject({
      ok: false,
      reason: 'too_large',
    });
  });
});
