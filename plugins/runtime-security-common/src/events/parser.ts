import { normalizeEvent } from './normalize';
import {
  LEGACY_TETRAGON_EVENT_TYPES,
  SKIP_REASONS,
  TETRAGON_EVENT_TYPES,
  type RuntimeEvent,
  type SkipReason,
  type SkippedLine,
  type TetragonEventType,
  type UnknownEvent,
} from './types';

/**
 * Default longest line accepted: 256 KiB of UTF-8.
 * @public
 */
export const DEFAULT_MAX_LINE_BYTES = 256 * 1024;

const KNOWN = new Set<string>(TETRAGON_EVENT_TYPES);
const LEGACY = new Set<string>(LEGACY_TETRAGON_EVENT_TYPES);
/** Top-level keys of GetEventsResponse that are not the event. */
const ENVELOPE = new Set<string>([
  'node_name',
  'time',
  'cluster_name',
  'node_labels',
  'aggregation_info',
]);

/**
 * Result of parsing one line.
 * @public
 */
export type ParseLineResult =
  | { ok: true; event: RuntimeEvent }
  | {
      ok: false;
      reason: SkipReason;
      detail: string;
      /** For `unknown_type` and `legacy_type`: the event key ('' when none) and the object as received. */
      unknown?: { type: string; raw: Record<string, unknown> };
    };

/**
 * Options of the line parser.
 * @public
 */
export interface ParseOptions {
  /** Lines longer than this many UTF-8 bytes are skipped as `too_large`. Default 256 KiB. */
  maxLineBytes?: number;
}

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** True when a line is longer than `max` UTF-8 bytes, counting bytes only when needed. */
function tooLarge(line: string, max: number): boolean {
  if (line.length > max) return true;
  if (line.length * 3 <= max) return false;
  return utf8Length(line) > max;
}

const POSITION = /at position (\d+)/;

/**
 * A JSON error at the very end of the input means the line was cut off
 * (a truncated write); any other position means it is not JSON.
 */
function jsonFailure(
  line: string,
  err: unknown,
): {
  reason: SkipReason;
  detail: string;
} {
  const message = err instanceof Error ? err.message : String(err);
  const trimmedLength = line.trimEnd().length;
  const pos = POSITION.exec(message);
  const atEnd =
    /Unexpected end of JSON input|Unterminated string/.test(message) ||
    (pos !== null && Number(pos[1]) >= trimmedLength);
  return {
    reason: atEnd ? 'truncated_json' : 'malformed_json',
    detail: message,
  };
}

function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13 && c !== 10) return false;
  }
  return true;
}

/** Finds the event key: the first key that is not an envelope field. */
function eventKeyOf(root: Record<string, unknown>): string | undefined {
  for (const key in root) {
    if (!ENVELOPE.has(key)) return key;
  }
  return undefined;
}

/**
 * Parses one line of a Tetragon JSON export into the normalized model.
 * Never throws: bad lines come back with a reason.
 * @public
 */
export function parseEventLine(
  line: string,
  options: ParseOptions = {},
): ParseLineResult {
  const max = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  if (isBlank(line))
    return { ok: false, reason: 'empty_line', detail: 'blank line' };
  if (tooLarge(line, max)) {
    return {
      ok: false,
      reason: 'too_large',
      detail: `line is longer than ${max} bytes`,
    };
  }
  let root: unknown;
  try {
    root = JSON.parse(line);
  } catch (err) {
    return { ok: false, ...jsonFailure(line, err) };
  }
  if (typeof root !== 'object' || root === null || Array.isArray(root)) {
    return {
      ok: false,
      reason: 'not_an_object',
      detail: `expected a JSON object, got ${
        Array.isArray(root) ? 'an array' : typeof root
      }`,
    };
  }
  const rec = root as Record<string, unknown>;
  const key = eventKeyOf(rec);
  if (key === undefined || !KNOWN.has(key)) {
    // The event key is usually first; look further only when it is not.
    let found: string | undefined;
    for (const k in rec) {
      if (KNOWN.has(k)) {
        found = k;
        break;
      }
    }
    if (found === undefined) {
      const unknown = { type: key ?? '', raw: rec };
      if (key !== undefined && LEGACY.has(key)) {
        return {
          ok: false,
          reason: 'legacy_type',
          detail: `"${key}" is an event type older Tetragon versions (or Enterprise builds) emit; the open-source API has no such event, so it is kept unparsed`,
          unknown,
        };
      }
      return {
        ok: false,
        reason: 'unknown_type',
        detail:
          key === undefined
            ? 'the object has no event key'
            : `unknown event type "${key}" (an Enterprise-only or newer Tetragon type?): kept unparsed`,
        unknown,
      };
    }
    return finish(rec, found as TetragonEventType);
  }
  return finish(rec, key as TetragonEventType);
}

function finish(
  root: Record<string, unknown>,
  type: TetragonEventType,
): ParseLineResult {
  const r = normalizeEvent(root, type);
  return r.ok ? r : { ok: false, reason: 'invalid_event', detail: r.detail };
}

/**
 * Counters of a parsed stream.
 * @public
 */
export interface ParseStats {
  /** Lines seen, including skipped ones. */
  total: number;
  parsed: number;
  /** Skipped lines by reason (only reasons that occurred). */
  skipped: Partial<Record<SkipReason, number>>;
  /** Parsed events by type. */
  byType: Partial<Record<TetragonEventType, number>>;
  /** Lines whose event type is not parsed (unknown, Enterprise-only or legacy), by event key. */
  unknownTypes?: Record<string, number>;
  /** Parsed events that carried fields the model does not know, by field (dotted path). */
  unknownFields?: Record<string, number>;
  /** Parsed events that lacked fields their type usually carries, by field (`args`, `policy_name`, …). */
  missingFields?: Record<string, number>;
}

/**
 * Options of {@link createEventStreamParser}.
 * @public
 */
export interface EventStreamParserOptions extends ParseOptions {
  /** Called for every skipped line (debug logging); the stream continues. */
  onSkip?: (skipped: SkippedLine) => void;
  /** How many events of unparsed types {@link EventStreamParser.unknownEvents} keeps (the latest). Default 100. */
  keepUnknownEvents?: number;
}

/**
 * A stateful parser over a line stream: numbers lines, counts by reason and
 * type, and reports skips to a callback.
 * @public
 */
export interface EventStreamParser {
  /** Parses the next line; undefined when it was skipped. */
  push(line: string): RuntimeEvent | undefined;
  stats(): ParseStats;
  /** The latest events of unparsed types (unknown, Enterprise-only, legacy), as received. */
  unknownEvents(): UnknownEvent[];
}

/**
 * Creates an {@link EventStreamParser}.
 * @public
 */
export function createEventStreamParser(
  options: EventStreamParserOptions = {},
): EventStreamParser {
  let total = 0;
  let parsed = 0;
  const skipped = new Map<SkipReason, number>();
  const byType = new Map<TetragonEventType, number>();
  const unknownTypes = new Map<string, number>();
  const unknownFields = new Map<string, number>();
  const missingFields = new Map<string, number>();
  const keep = Math.max(0, options.keepUnknownEvents ?? 100);
  let unknownKept: UnknownEvent[] = [];
  const onSkip = options.onSkip;
  /** Counts `keys` in `m`, at most 256 distinct keys (unknown field names are unbounded input). */
  const countAll = (m: Map<string, number>, keys: string[] | undefined) => {
    if (!keys) return;
    for (const k of keys) {
      const n = m.get(k);
      if (n !== undefined) m.set(k, n + 1);
      else if (m.size < 256) m.set(k, 1);
    }
  };
  return {
    push(line) {
      total++;
      const r = parseEventLine(line, options);
      if (r.ok) {
        parsed++;
        r.event.line = total;
        byType.set(r.event.type, (byType.get(r.event.type) ?? 0) + 1);
        countAll(unknownFields, r.event.unknownFields);
        countAll(missingFields, r.event.missingFields);
        return r.event;
      }
      skipped.set(r.reason, (skipped.get(r.reason) ?? 0) + 1);
      if (r.unknown) {
        countAll(unknownTypes, [r.unknown.type]);
        if (keep > 0) {
          unknownKept.push({
            line: total,
            type: r.unknown.type,
            legacy: r.reason === 'legacy_type',
            raw: r.unknown.raw,
          });
          if (unknownKept.length > keep * 2)
            unknownKept = unknownKept.slice(-keep);
        }
      }
      if (onSkip) {
        onSkip({
          line: total,
          reason: r.reason,
          detail: r.detail,
          excerpt: line.slice(0, 120),
          ...(r.unknown ? { unknown: r.unknown } : {}),
        });
      }
      return undefined;
    },
    stats() {
      const s: ParseStats = { total, parsed, skipped: {}, byType: {} };
      for (const reason of SKIP_REASONS) {
        const n = skipped.get(reason);
        if (n) s.skipped[reason] = n;
      }
      for (const t of TETRAGON_EVENT_TYPES) {
        const n = byType.get(t);
        if (n) s.byType[t] = n;
      }
      const record = (m: Map<string, number>) =>
        m.size > 0
          ? Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b)))
          : undefined;
      const ut = record(unknownTypes);
      if (ut) s.unknownTypes = ut;
      const uf = record(unknownFields);
      if (uf) s.unknownFields = uf;
      const mf = record(missingFields);
      if (mf) s.missingFields = mf;
      return s;
    },
    unknownEvents() {
      return unknownKept.slice(-keep);
    },
  };
}

/**
 * Splits a chunked text stream into lines (`\n` or `\r\n`), for callers that
 * receive arbitrary chunks (HTTP bodies, sockets). Pure; no Node streams.
 * @public
 */
export interface LineSplitter {
  /** Feeds a chunk; returns the complete lines it finished. */
  push(chunk: string): string[];
  /** Returns the last line when the input did not end with a newline. */
  end(): string[];
}

/**
 * Creates a {@link LineSplitter}. Memory stays bounded: of a line longer than `maxLineBytes`
 * (characters, default {@link DEFAULT_MAX_LINE_BYTES}) only the first `maxLineBytes + 1` are kept
 * until its newline, so the parser still skips it as `too_large`.
 * @public
 */
export function createLineSplitter(
  options: { maxLineBytes?: number } = {},
): LineSplitter {
  const keep = (options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES) + 1;
  let rest = '';
  return {
    push(chunk) {
      const text = rest + chunk;
      const lines = text.split('\n');
      rest = lines.pop() ?? '';
      if (rest.length > keep) rest = rest.slice(0, keep);
      if (lines.length && lines[0].length > keep)
        lines[0] = lines[0].slice(0, keep);
      for (let i = 0; i < lines.length; i++) {
        const l = lines[i];
        if (l.endsWith('\r')) lines[i] = l.slice(0, -1);
      }
      return lines;
    },
    end() {
      const last = rest;
      rest = '';
      return last.length > 0
        ? [last.endsWith('\r') ? last.slice(0, -1) : last]
        : [];
    },
  };
}
