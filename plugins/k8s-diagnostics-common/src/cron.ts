/**
 * Validates a cron schedule exactly as github.com/robfig/cron/v3 (v3.0.1) `ParseStandard`
 * does, returning its error string, which k8sgpt's CronJob analyzer prints verbatim.
 */

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MINUTES: Bounds = { min: 0, max: 59 };
const HOURS: Bounds = { min: 0, max: 23 };
const DOM: Bounds = { min: 1, max: 31 };
const MONTHS: Bounds = {
  min: 1,
  max: 12,
  names: {
    jan: 1,
    feb: 2,
    mar: 3,
    apr: 4,
    may: 5,
    jun: 6,
    jul: 7,
    aug: 8,
    sep: 9,
    oct: 10,
    nov: 11,
    dec: 12,
  },
};
const DOW: Bounds = {
  min: 0,
  max: 6,
  names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 },
};

const DESCRIPTORS = new Set([
  '@yearly',
  '@annually',
  '@monthly',
  '@weekly',
  '@daily',
  '@midnight',
  '@hourly',
]);

class CronError extends Error {}

/** Go's `%s` of a []string. */
function goList(items: string[]): string {
  return `[${items.join(' ')}]`;
}

/** strconv.Atoi, with Go's error texts. */
function atoi(expr: string): number {
  const m = /^[+-]?\d+$/.exec(expr);
  if (!m) {
    throw new CronError(
      `failed to parse int from ${expr}: strconv.Atoi: parsing ${JSON.stringify(
        expr,
      )}: invalid syntax`,
    );
  }
  const n = Number(expr);
  if (!Number.isSafeInteger(n) || Math.abs(n) > 2 ** 63 - 1) {
    throw new CronError(
      `failed to parse int from ${expr}: strconv.Atoi: parsing ${JSON.stringify(
        expr,
      )}: value out of range`,
    );
  }
  return n;
}

function mustParseInt(expr: string): number {
  const num = atoi(expr);
  if (num < 0)
    throw new CronError(`negative number (${num}) not allowed: ${expr}`);
  return num;
}

function parseIntOrName(expr: string, names?: Record<string, number>): number {
  if (names) {
    const named = names[expr.toLowerCase()];
    if (named !== undefined) return named;
  }
  return mustParseInt(expr);
}

function checkRange(expr: string, r: Bounds): void {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0].split('-');
  const singleDigit = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = r.min;
    end = r.max;
  } else {
    start = parseIntOrName(lowAndHigh[0], r.names);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2)
      end = parseIntOrName(lowAndHigh[1], r.names);
    else throw new CronError(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = mustParseInt(rangeAndStep[1]);
    if (singleDigit) end = r.max;
  } else if (rangeAndStep.length > 2) {
    throw new CronError(`too many slashes: ${expr}`);
  }
  if (start < r.min) {
    throw new CronError(
      `beginning of range (${start}) below minimum (${r.min}): ${expr}`,
    );
  }
  if (end > r.max) {
    throw new CronError(
      `end of range (${end}) above maximum (${r.max}): ${expr}`,
    );
  }
  if (start > end) {
    throw new CronError(
      `beginning of range (${start}) beyond end of range (${end}): ${expr}`,
    );
  }
  if (step === 0) {
    throw new CronError(`step of range should be a positive number: ${expr}`);
  }
}

function checkField(field: string, r: Bounds): void {
  for (const expr of field.split(',').filter(e => e !== ''))
    checkRange(expr, r);
}

/** Go time.ParseDuration, validation only. */
function checkGoDuration(s: string): void {
  const quoted = JSON.stringify(s);
  if (s === '0') return;
  const body = s.replace(/^[+-]/, '');
  if (body === '') throw new CronError(`time: invalid duration ${quoted}`);
  const re = /(\d*\.?\d*)([a-zµμ]*)/gy;
  let pos = 0;
  while (pos < body.length) {
    re.lastIndex = pos;
    const m = re.exec(body);
    if (!m || m[0] === '' || m[1] === '' || m[1] === '.') {
      throw new CronError(`time: invalid duration ${quoted}`);
    }
    if (m[2] === '')
      throw new CronError(`time: missing unit in duration ${quoted}`);
    if (!['ns', 'us', 'µs', 'μs', 'ms', 's', 'm', 'h'].includes(m[2])) {
      throw new CronError(
        `time: unknown unit ${JSON.stringify(m[2])} in duration ${quoted}`,
      );
    }
    pos = re.lastIndex;
  }
}

function checkDescriptor(spec: string): void {
  if (DESCRIPTORS.has(spec)) return;
  const every = '@every ';
  if (spec.startsWith(every)) {
    const d = spec.slice(every.length);
    try {
      checkGoDuration(d);
    } catch (e) {
      throw new CronError(
        `failed to parse duration ${spec}: ${(e as Error).message}`,
      );
    }
    return;
  }
  throw new CronError(`unrecognized descriptor: ${spec}`);
}

function validate(input: string): void {
  let spec = input;
  if (spec.length === 0) throw new CronError('empty spec string');
  if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
    const i = spec.indexOf(' ');
    spec = i < 0 ? '' : spec.slice(i).trim();
  }
  if (spec.startsWith('@')) {
    checkDescriptor(spec);
    return;
  }
  const fields = spec.split(/\s+/).filter(f => f !== '');
  if (fields.length !== 5) {
    throw new CronError(
      `expected exactly 5 fields, found ${fields.length}: ${goList(fields)}`,
    );
  }
  const bounds = [MINUTES, HOURS, DOM, MONTHS, DOW];
  fields.forEach((f, i) => checkField(f, bounds[i]));
}

/**
 * Returns robfig/cron's error text for an invalid standard schedule, or undefined when valid.
 *
 * @public
 */
export function cronScheduleError(schedule: string): string | undefined {
  try {
    validate(schedule);
    return undefined;
  } catch (e) {
    if (e instanceof CronError) return e.message;
    throw e;
  }
}
