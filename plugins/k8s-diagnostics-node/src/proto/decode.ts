import { PROTO_SCHEMA } from './schema.generated';
import type { ProtoSchema } from './types';

/** A malformed or unexpected protobuf response. @public */
export class ProtoDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtoDecodeError';
  }
}

/** How a field's value is read. */
const enum Kind {
  String,
  Bool,
  Int,
  Double,
  Bytes,
  Time,
  MicroTime,
  Quantity,
  IntOrString,
  Raw,
  Duration,
  Message,
}

const KINDS: Record<string, Kind> = {
  s: Kind.String,
  b: Kind.Bool,
  i: Kind.Int,
  f: Kind.Double,
  y: Kind.Bytes,
  t: Kind.Time,
  mt: Kind.MicroTime,
  q: Kind.Quantity,
  ios: Kind.IntOrString,
  raw: Kind.Raw,
  d: Kind.Duration,
};

interface Field {
  name: string;
  kind: Kind;
  repeated: boolean;
  map: boolean;
  /** JSON leaves the Go zero value out (omitempty on a non-pointer scalar, or omitzero). */
  omitZero: boolean;
  inline: boolean;
  skip: boolean;
  message?: Message;
}

interface Message {
  name: string;
  /** Fields by protobuf number. */
  fields: Array<Field | undefined>;
}

/** JSON fields never decoded: large, and read by no analyzer. */
const SKIPPED = new Set(['managedFields']);

function compile(schema: ProtoSchema): Map<string, Message> {
  const messages = new Map<string, Message>();
  for (const name of Object.keys(schema.types))
    messages.set(name, { name, fields: [] });
  for (const [name, fields] of Object.entries(schema.types)) {
    const msg = messages.get(name)!;
    for (const [num, json, type, flags] of fields) {
      const kind = KINDS[type] ?? Kind.Message;
      const message = kind === Kind.Message ? messages.get(type) : undefined;
      if (kind === Kind.Message && !message)
        throw new ProtoDecodeError(
          `schema: ${name}.${json} refers to unknown ${type}`,
        );
      msg.fields[num] = {
        name: json,
        kind,
        repeated: flags.includes('r'),
        map: flags.includes('m'),
        omitZero:
          (flags.includes('o') &&
            !flags.includes('p') &&
            kind <= Kind.Double) ||
          (flags.includes('z') &&
            (kind <= Kind.Double ||
              kind === Kind.Time ||
              kind === Kind.MicroTime)),
        inline: flags.includes('n'),
        skip: SKIPPED.has(json),
        message,
      };
    }
  }
  return messages;
}

let compiled: Map<string, Message> | undefined;

/** The kinds whose lists can be read as protobuf. @public */
export function protobufKinds(): string[] {
  return Object.keys(PROTO_SCHEMA.lists);
}

/** Node's Buffer slicers without toString's argument handling (long present, untyped). */
interface Slicers {
  utf8Slice(start: number, end: number): string;
  latin1Slice(start: number, end: number): string;
}

// Decoder state: one buffer decoded at a time, synchronously.
let buf: Buffer & Slicers = Buffer.alloc(0) as Buffer & Slicers;
let pos = 0;

function fail(what: string): never {
  throw new ProtoDecodeError(`malformed protobuf at byte ${pos}: ${what}`);
}

function varint(): number {
  let b = buf[pos++];
  if (b < 0x80) return b;
  let low = b & 0x7f;
  for (let shift = 7; shift < 28; shift += 7) {
    b = buf[pos++];
    low |= (b & 0x7f) << shift;
    if (b < 0x80) return low;
  }
  return varintHigh(low);
}

/** Bytes 5 to 10 of a varint (int64, negative numbers as 10 bytes), as 32-bit halves. */
function varintHigh(low28: number): number {
  if (pos >= buf.length) fail('truncated varint');
  let b = buf[pos++];
  const lo = (low28 | ((b & 0x0f) << 28)) >>> 0;
  let hi = (b & 0x7f) >> 4;
  for (let shift = 3; b >= 0x80; shift += 7) {
    if (shift > 31) fail('varint longer than 10 bytes');
    if (pos >= buf.length) fail('truncated varint');
    b = buf[pos++];
    hi |= (b & 0x7f) << shift;
  }
  hi >>>= 0;
  if (hi >= 0x80000000) return -((~hi >>> 0) * 2 ** 32 + (~lo >>> 0) + 1);
  return hi * 2 ** 32 + lo;
}

function lengthEnd(): number {
  const len = varint();
  const end = pos + len;
  if (end > buf.length) fail(`length ${len} past the end`);
  return end;
}

function skipField(wire: number): void {
  if (wire === 0) varint();
  else if (wire === 1) pos += 8;
  else if (wire === 2) pos = lengthEnd();
  else if (wire === 5) pos += 4;
  else fail(`unsupported wire type ${wire}`);
}

/** Short ASCII strings are interned: objects of one cluster repeat few distinct values. */
const SHORT = 24;
const TABLE_BITS = 12;
const table: Array<string | undefined> = new Array(1 << TABLE_BITS);

function string(end: number): string {
  const start = pos;
  pos = end;
  const len = end - start;
  if (len === 0) return '';
  if (len > SHORT) return buf.utf8Slice(start, end);
  let h = len;
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c >= 0x80) return buf.utf8Slice(start, end);
    h = (Math.imul(h, 31) + c) | 0;
  }
  const slot = (h ^ (h >>> TABLE_BITS)) & ((1 << TABLE_BITS) - 1);
  const hit = table[slot];
  if (hit !== undefined && hit.length === len) {
    let same = true;
    for (let i = 0; i < len; i++) {
      if (hit.charCodeAt(i) !== buf[start + i]) {
        same = false;
        break;
      }
    }
    if (same) return hit;
  }
  const s = buf.latin1Slice(start, end);
  table[slot] = s;
  return s;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** RFC 3339 text of the seconds seen so far: objects of one cluster share few timestamps. */
const isoSeconds = new Map<number, string>();

/** metav1.Time / MicroTime: `{seconds, nanos}`; empty means the zero time (JSON null). */
function time(end: number, micro: boolean): string | null {
  let seconds = 0;
  let nanos = 0;
  if (pos === end) return null;
  while (pos < end) {
    const tag = varint();
    if (tag === 8) seconds = varint();
    else if (tag === 16) nanos = varint();
    else skipField(tag & 7);
  }
  let iso = isoSeconds.get(seconds);
  if (iso === undefined) {
    iso = new Date(seconds * 1000).toISOString().slice(0, 19);
    isoSeconds.set(seconds, iso);
  }
  return micro ? `${iso}.${pad(Math.floor(nanos / 1000), 6)}Z` : `${iso}Z`;
}

/** Go's time.Duration text, as metav1.Duration marshals to JSON (e.g. `1h2m3.5s`). */
export function goDuration(ns: number): string {
  if (ns === 0) return '0s';
  const sign = ns < 0 ? '-' : '';
  let rest = Math.abs(ns);
  if (rest < 1e3) return `${sign}${rest}ns`;
  if (rest < 1e6) return `${sign}${rest / 1e3}µs`;
  if (rest < 1e9) return `${sign}${rest / 1e6}ms`;
  const h = Math.floor(rest / 3.6e12);
  rest -= h * 3.6e12;
  const m = Math.floor(rest / 6e10);
  rest -= m * 6e10;
  const s = `${Number((rest / 1e9).toFixed(9))}s`;
  return `${sign}${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${s}`;
}

function special(kind: Kind, end: number): unknown {
  if (kind === Kind.Time || kind === Kind.MicroTime)
    return time(end, kind === Kind.MicroTime);
  let str = '';
  let int = 0;
  let type = 0;
  let raw: string | undefined;
  while (pos < end) {
    const tag = varint();
    const field = tag >>> 3;
    if (kind === Kind.Quantity && tag === 10) str = string(lengthEnd());
    else if (kind === Kind.IntOrString && field === 1) type = varint();
    else if (kind === Kind.IntOrString && field === 2) int = varint();
    else if (kind === Kind.IntOrString && tag === 26) str = string(lengthEnd());
    else if (kind === Kind.Raw && tag === 10) raw = string(lengthEnd());
    else if (kind === Kind.Duration && field === 1) int = varint();
    else skipField(tag & 7);
  }
  if (kind === Kind.Quantity) return str;
  if (kind === Kind.IntOrString) return type === 1 ? str : int;
  if (kind === Kind.Duration) return goDuration(int);
  return raw === undefined || raw === '' ? null : JSON.parse(raw);
}

/** One value of a field whose wire bytes start at `pos`. */
function value(f: Field, wire: number): unknown {
  switch (f.kind) {
    case Kind.Bool:
      return varint() !== 0;
    case Kind.Int:
      return varint();
    case Kind.Double: {
      const v = buf.readDoubleLE(pos);
      pos += 8;
      return v;
    }
    default:
  }
  if (wire !== 2)
    fail(`field ${f.name} has wire type ${wire}, expected length-delimited`);
  const end = lengthEnd();
  if (f.kind === Kind.String) return string(end);
  if (f.kind === Kind.Bytes) {
    const s = buf.toString('base64', pos, end);
    pos = end;
    return s;
  }
  if (f.kind === Kind.Message) return decodeMessage(f.message!, end, {});
  return special(f.kind, end);
}

function mapEntry(f: Field, into: Record<string, unknown>): void {
  const end = lengthEnd();
  let key = '';
  let val: unknown = f.kind === Kind.String ? '' : undefined;
  while (pos < end) {
    const tag = varint();
    if (tag === 10) key = string(lengthEnd());
    else if (tag >>> 3 === 2) val = value(f, tag & 7);
    else skipField(tag & 7);
  }
  into[key] = val === undefined && f.kind === Kind.Message ? {} : val;
}

const isZero = (v: unknown) => v === '' || v === 0 || v === false || v === null;

function decodeMessage(
  msg: Message,
  end: number,
  obj: Record<string, unknown>,
): Record<string, unknown> {
  while (pos < end) {
    const tag = varint();
    const wire = tag & 7;
    const f = msg.fields[tag >>> 3];
    if (!f || f.skip) {
      skipField(wire);
      continue;
    }
    if (f.map) {
      mapEntry(f, ((obj[f.name] as Record<string, unknown>) ??= {}));
    } else if (f.repeated) {
      const arr = ((obj[f.name] as unknown[]) ??= []);
      if (wire === 2 && f.kind <= Kind.Double && f.kind !== Kind.String) {
        const packedEnd = lengthEnd();
        while (pos < packedEnd)
          arr.push(value(f, f.kind === Kind.Double ? 1 : 0));
      } else {
        arr.push(value(f, wire));
      }
    } else if (f.inline) {
      if (wire !== 2)
        fail(
          `field ${f.name} has wire type ${wire}, expected length-delimited`,
        );
      decodeMessage(f.message!, lengthEnd(), obj);
    } else {
      const v = value(f, wire);
      if (!(f.omitZero && isZero(v))) obj[f.name] = v;
    }
  }
  if (pos !== end) fail(`message ${msg.name} overran its length`);
  return obj;
}

const MAGIC = [0x6b, 0x38, 0x73, 0x00];
const EMPTY = Buffer.alloc(0) as Buffer & Slicers;
/** Received bytes gathered before decoding resumes. */
const BATCH_BYTES = 64 * 1024;

const hasMagic = (b: Buffer) => MAGIC.every((byte, i) => b[i] === byte);

/** Bytes a field of this wire type takes after its tag (`len` for length-delimited ones). */
function wireSize(wire: number, len: number): number {
  if (wire === 2) return len;
  if (wire === 1) return 8;
  if (wire === 5) return 4;
  return fail(`unsupported wire type ${wire}`);
}

/** A varint that may be cut off at the end of the bytes received so far: undefined then. */
function varintIfComplete(): number | undefined {
  let end = pos;
  while (end < buf.length && buf[end] >= 0x80) end++;
  if (end - pos >= 10) fail('varint longer than 10 bytes');
  return end < buf.length ? varint() : undefined;
}

/** A decoded list: its items and its `continue` token. @public */
export interface DecodedList {
  items: Array<Record<string, unknown>>;
  continue?: string;
}

/** Decodes a list response while it arrives: `write` each chunk, then `end`. @public */
export interface ProtobufListStream {
  write(chunk: Buffer): void;
  end(): DecodedList;
}

/** Where the stream is: before the `k8s\0` prefix, in the runtime.Unknown envelope, in its list. */
type Stage = 'magic' | 'envelope' | 'list';

class ListStream implements ProtobufListStream {
  private pending = EMPTY;
  private queued: Buffer[] = [];
  private queuedBytes = 0;
  /** Offset in the whole body of `pending[0]`. */
  private offset = 0;
  private stage: Stage = 'magic';
  /** Offset in the whole body where the encoded list (runtime.Unknown `raw`) ends. */
  private listEnd = -1;
  private readonly items: Array<Record<string, unknown>> = [];
  private meta: { continue?: string } = {};

  constructor(
    private readonly kind: string,
    private readonly item: Message,
    private readonly listMeta: Message,
  ) {}

  write(chunk: Buffer): void {
    // Bodies arrive in pieces of about a TLS record; decode them in batches, not one by one.
    this.queued.push(chunk);
    this.queuedBytes += chunk.length;
    if (this.queuedBytes >= BATCH_BYTES) this.flush();
  }

  private flush(): void {
    if (this.queued.length === 0) return;
    const parts = this.pending.length
      ? [this.pending, ...this.queued]
      : this.queued;
    this.pending = (
      parts.length === 1 ? parts[0] : Buffer.concat(parts)
    ) as Buffer & Slicers;
    this.queued = [];
    this.queuedBytes = 0;
    buf = this.pending;
    pos = 0;
    try {
      this.drain();
      this.offset += pos;
      this.pending = this.pending.subarray(pos) as Buffer & Slicers;
    } catch (e) {
      throw this.wrap(e);
    } finally {
      buf = EMPTY;
    }
  }

  end(): DecodedList {
    this.flush();
    if (this.stage === 'magic') {
      throw new ProtoDecodeError(
        `the ${this.kind} list is not a Kubernetes protobuf message (no k8s\\0 prefix)`,
      );
    }
    if (
      this.pending.length > 0 ||
      (this.stage === 'list' && this.offset < this.listEnd)
    ) {
      throw new ProtoDecodeError(
        `malformed protobuf in the ${this.kind} list: it ends inside a field at byte ${this.offset}`,
      );
    }
    if (this.listEnd < 0)
      throw new ProtoDecodeError(
        `the ${this.kind} list response has no payload`,
      );
    return { items: this.items, continue: this.meta.continue || undefined };
  }

  private wrap(e: unknown): ProtoDecodeError {
    if (e instanceof ProtoDecodeError) return e;
    // A field that does not match the schema surfaces as a TypeError or RangeError.
    return new ProtoDecodeError(
      `malformed protobuf in the ${this.kind} list at byte ${
        this.offset + pos
      }: ${(e as Error).message}`,
    );
  }

  /** Consumes every complete field of `buf`, leaving `pos` at the first incomplete one. */
  private drain(): void {
    for (;;) {
      if (this.stage === 'magic') {
        if (buf.length < 4) return;
        if (!hasMagic(buf)) {
          throw new ProtoDecodeError(
            `the ${this.kind} list is not a Kubernetes protobuf message (no k8s\\0 prefix)`,
          );
        }
        pos = 4;
        this.stage = 'envelope';
      }
      if (this.stage === 'list' && this.offset + pos === this.listEnd)
        this.stage = 'envelope';
      const start = pos;
      const tag = varintIfComplete();
      const wire = (tag ?? 0) & 7;
      const len = tag === undefined || wire !== 2 ? 0 : varintIfComplete();
      if (tag === undefined || len === undefined) {
        pos = start;
        return;
      }
      if (this.stage === 'envelope' && tag === 18) {
        // runtime.Unknown `raw`: the list itself, read field by field as it arrives.
        this.listEnd = this.offset + pos + len;
        this.stage = 'list';
        continue;
      }
      if (!this.field(tag, wire, len)) {
        pos = start;
        return;
      }
    }
  }

  /** One field of the envelope or the list, when all its bytes are here (else false). */
  private field(tag: number, wire: number, len: number): boolean {
    if (wire === 0) return varintIfComplete() !== undefined;
    const end = pos + wireSize(wire, len);
    if (end > buf.length) return false;
    if (this.stage === 'list' && this.offset + end > this.listEnd)
      fail('a list field runs past the end of the list');
    if (this.stage === 'list' && tag === 18)
      this.items.push(decodeMessage(this.item, end, {}));
    else if (this.stage === 'list' && tag === 10)
      this.meta = decodeMessage(this.listMeta, end, {});
    else pos = end;
    return true;
  }
}

/**
 * Decodes, while it arrives, a protobuf list response of the API server
 * (`application/vnd.kubernetes.protobuf`: the `k8s\0` prefix and a runtime.Unknown envelope)
 * into the objects its JSON would give, except `metadata.managedFields`, which is left out.
 *
 * @public
 */
export function protobufListStream(kind: string): ProtobufListStream {
  compiled ??= compile(PROTO_SCHEMA);
  const list = compiled.get(PROTO_SCHEMA.lists[kind] ?? '');
  if (!list) throw new ProtoDecodeError(`no protobuf schema for kind ${kind}`);
  const item = list.fields[2]?.message;
  const meta = list.fields[1]?.message;
  if (!item || !meta)
    throw new ProtoDecodeError(`schema: ${list.name} has no items or metadata`);
  return new ListStream(kind, item, meta);
}

/** Decodes a whole protobuf list response; see {@link protobufListStream}. @public */
export function decodeProtobufList(kind: string, body: Buffer): DecodedList {
  const stream = protobufListStream(kind);
  stream.write(body);
  return stream.end();
}
