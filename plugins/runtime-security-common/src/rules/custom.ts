import { TETRAGON_EVENT_TYPES, type TetragonEventType } from '../events/types';
import { BUILTIN_RULES } from './builtin';
import { globToRegExp, stringMatcher, type StringMatcher } from './glob';
import {
  SEVERITIES,
  type DetectionContext,
  type DetectionRule,
  type MitreTechnique,
  type Severity,
} from './types';

/**
 * The matcher of a custom rule. Every given field must match (AND); a list
 * matches when any entry does (OR). Strings with `*`, `?` or `[...]` are globs.
 * @public
 */
export interface CustomRuleMatch {
  /** Event types; default: all types that have a process. */
  eventType?: TetragonEventType[];
  /** Process binary (full path), glob or list. */
  binary?: string[];
  /** Parent binary, glob or list. */
  parentBinary?: string[];
  /** Process arguments: any `contains` substring, and/or the `regex`. */
  arguments?: { contains?: string[]; regex?: string };
  /** Probe function (kprobe/lsm function, tracepoint `subsys/event`, uprobe symbol). */
  function?: string[];
  /** TracingPolicy name. */
  policy?: string[];
  /** Probe action, e.g. `KPROBE_ACTION_SIGKILL`. */
  action?: string[];
  /** Kubernetes namespace of the pod. */
  namespace?: string[];
  /** Pod labels; every key must be present and its value match (glob). */
  labels?: Record<string, string>;
}

/**
 * A validated custom rule.
 * @public
 */
export interface CustomRuleSpec {
  id: string;
  title: string;
  severity: Severity;
  mitre?: MitreTechnique;
  remediation?: string;
  match: CustomRuleMatch;
}

/**
 * A custom rule that failed validation: names the rule and the field.
 * @public
 */
export class CustomRuleError extends Error {
  readonly index: number;
  readonly ruleId?: string;
  readonly field: string;

  constructor(
    index: number,
    ruleId: string | undefined,
    field: string,
    problem: string,
  ) {
    super(
      `custom rule #${index + 1}${
        ruleId ? ` ("${ruleId}")` : ''
      }, field "${field}": ${problem}`,
    );
    this.name = 'CustomRuleError';
    this.index = index;
    this.ruleId = ruleId;
    this.field = field;
  }
}

const RULE_KEYS = ['id', 'title', 'severity', 'mitre', 'remediation', 'match'];
const MATCH_KEYS = [
  'eventType',
  'binary',
  'parentBinary',
  'arguments',
  'function',
  'policy',
  'action',
  'namespace',
  'labels',
];
const ID = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const MITRE_ID = /^(T\d{4}(\.\d{3})?|TA\d{4})$/;

type Fail = (field: string, problem: string) => never;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkKeys(
  o: Record<string, unknown>,
  allowed: string[],
  prefix: string,
  fail: Fail,
): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) {
      fail(
        `${prefix}${k}`,
        `unknown field; allowed fields are ${allowed.join(', ')}`,
      );
    }
  }
}

function stringList(
  v: unknown,
  field: string,
  fail: Fail,
): string[] | undefined {
  if (v === undefined) return undefined;
  const list = typeof v === 'string' ? [v] : v;
  if (
    !Array.isArray(list) ||
    list.length === 0 ||
    list.some(s => typeof s !== 'string' || s === '')
  ) {
    return fail(
      field,
      'must be a non-empty string or a non-empty list of non-empty strings',
    );
  }
  return list as string[];
}

function requiredString(
  o: Record<string, unknown>,
  key: string,
  fail: Fail,
): string {
  const v = o[key];
  if (typeof v !== 'string' || v.trim() === '') {
    return fail(key, 'is required and must be a non-empty string');
  }
  return v;
}

function validateArguments(
  v: unknown,
  fail: Fail,
): CustomRuleMatch['arguments'] {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return { contains: [v] };
  if (!isRecord(v)) {
    return fail(
      'match.arguments',
      'must be a string or an object with "contains" and/or "regex"',
    );
  }
  checkKeys(v, ['contains', 'regex'], 'match.arguments.', fail);
  const contains = stringList(v.contains, 'match.arguments.contains', fail);
  let regex: string | undefined;
  if (v.regex !== undefined) {
    if (typeof v.regex !== 'string' || v.regex === '') {
      fail('match.arguments.regex', 'must be a non-empty string');
    }
    regex = v.regex as string;
    try {
      RegExp(regex);
    } catch (e) {
      fail(
        'match.arguments.regex',
        `is not a valid regular expression (${
          (e as Error).message
        }); fix it or use "contains"`,
      );
    }
  }
  if (!contains && regex === undefined) {
    fail('match.arguments', 'needs "contains" or "regex"');
  }
  return { contains, regex };
}

function validateLabels(
  v: unknown,
  fail: Fail,
): Record<string, string> | undefined {
  if (v === undefined) return undefined;
  if (!isRecord(v) || Object.keys(v).length === 0) {
    return fail(
      'match.labels',
      'must be a non-empty map of label name to value (glob)',
    );
  }
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'string') fail(`match.labels.${k}`, 'must be a string');
  }
  return v as Record<string, string>;
}

function validateMatch(v: unknown, fail: Fail): CustomRuleMatch {
  if (!isRecord(v))
    return fail(
      'match',
      `is required and must be an object with at least one of ${MATCH_KEYS.join(
        ', ',
      )}`,
    );
  checkKeys(v, MATCH_KEYS, 'match.', fail);
  if (Object.keys(v).length === 0)
    fail('match', `is empty; give at least one of ${MATCH_KEYS.join(', ')}`);
  const eventType = stringList(v.eventType, 'match.eventType', fail);
  for (const t of eventType ?? []) {
    if (!(TETRAGON_EVENT_TYPES as readonly string[]).includes(t)) {
      fail(
        'match.eventType',
        `"${t}" is not a Tetragon event type; use one of ${TETRAGON_EVENT_TYPES.join(
          ', ',
        )}`,
      );
    }
  }
  const m: CustomRuleMatch = {
    eventType: eventType as TetragonEventType[] | undefined,
    binary: stringList(v.binary, 'match.binary', fail),
    parentBinary: stringList(v.parentBinary, 'match.parentBinary', fail),
    arguments: validateArguments(v.arguments, fail),
    function: stringList(v.function, 'match.function', fail),
    policy: stringList(v.policy, 'match.policy', fail),
    action: stringList(v.action, 'match.action', fail),
    namespace: stringList(v.namespace, 'match.namespace', fail),
    labels: validateLabels(v.labels, fail),
  };
  for (const [k, val] of Object.entries(m))
    if (val === undefined) delete (m as Record<string, unknown>)[k];
  return m;
}

function validateMitre(v: unknown, fail: Fail): MitreTechnique | undefined {
  if (v === undefined) return undefined;
  if (!isRecord(v))
    return fail(
      'mitre',
      'must be an object { id: T1234 or T1234.001, name: ... }',
    );
  checkKeys(v, ['id', 'name'], 'mitre.', fail);
  if (typeof v.id !== 'string' || !MITRE_ID.test(v.id)) {
    fail(
      'mitre.id',
      `"${String(
        v.id,
      )}" is not an ATT&CK id; write it like T1611, T1552.004 or TA0002`,
    );
  }
  if (typeof v.name !== 'string' || v.name === '')
    fail('mitre.name', 'is required, e.g. "Escape to Host"');
  return { id: v.id as string, name: v.name as string };
}

function validateOne(
  raw: unknown,
  index: number,
  seen: Set<string>,
): CustomRuleSpec {
  const id = isRecord(raw) && typeof raw.id === 'string' ? raw.id : undefined;
  const fail: Fail = (field, problem) => {
    throw new CustomRuleError(index, id, field, problem);
  };
  if (!isRecord(raw))
    return fail(
      '(rule)',
      'each rule must be an object with id, title, severity and match',
    );
  checkKeys(raw, RULE_KEYS, '', fail);
  const ruleId = requiredString(raw, 'id', fail);
  if (!ID.test(ruleId))
    fail(
      'id',
      `"${ruleId}" must be lowercase letters, digits and dashes (like "curl-in-prod"), at most 63 characters`,
    );
  if (seen.has(ruleId))
    fail(
      'id',
      `"${ruleId}" is already used by another rule; ids must be unique (built-in ids included)`,
    );
  seen.add(ruleId);
  const title = requiredString(raw, 'title', fail);
  const severity = raw.severity;
  if (
    typeof severity !== 'string' ||
    !(SEVERITIES as readonly string[]).includes(severity)
  ) {
    fail(
      'severity',
      `"${String(severity)}" is not a severity; use one of ${SEVERITIES.join(
        ', ',
      )}`,
    );
  }
  let remediation: string | undefined;
  if (raw.remediation !== undefined) {
    if (typeof raw.remediation !== 'string')
      fail('remediation', 'must be a string');
    remediation = raw.remediation as string;
  }
  return {
    id: ruleId,
    title,
    severity: severity as Severity,
    mitre: validateMitre(raw.mitre, fail),
    remediation,
    match: validateMatch(raw.match, fail),
  };
}

/**
 * Validates custom rules from config or a YAML file: a list of rules, or an
 * object `{ rules: [...] }`. Returns typed rules or throws a
 * {@link CustomRuleError} that names the rule (number and id), the field
 * and what to fix.
 * @public
 */
export function validateCustomRules(raw: unknown): CustomRuleSpec[] {
  let list: unknown = raw;
  if (raw === undefined || raw === null) return [];
  if (isRecord(raw)) {
    const extra = Object.keys(raw).filter(k => k !== 'rules');
    if (extra.length > 0) {
      throw new CustomRuleError(
        -1,
        undefined,
        extra[0],
        'unknown top-level field; the file must be a list of rules or { rules: [...] }',
      );
    }
    list = raw.rules ?? [];
  }
  if (!Array.isArray(list)) {
    throw new CustomRuleError(
      -1,
      undefined,
      'rules',
      'must be a list of rules',
    );
  }
  const seen = new Set<string>(BUILTIN_RULES.map(r => r.id));
  return list.map((r, i) => validateOne(r, i, seen));
}

const PROCESS_TYPES: readonly TetragonEventType[] = TETRAGON_EVENT_TYPES.filter(
  t => t !== 'process_throttle' && t !== 'rate_limit_info',
);

function labelsMatch(
  labels: Record<string, string>,
  want: Record<string, RegExp>,
): boolean {
  for (const [k, re] of Object.entries(want)) {
    const v = labels[k];
    if (v === undefined || !re.test(v)) return false;
  }
  return true;
}

function compileMatcher(
  m: CustomRuleMatch,
): (ctx: DetectionContext) => boolean {
  const tests: ((ctx: DetectionContext) => boolean)[] = [];
  const add = (
    list: string[] | undefined,
    get: (ctx: DetectionContext) => string | undefined,
  ) => {
    if (!list) return;
    const sm: StringMatcher = stringMatcher(list);
    tests.push(ctx => sm.test(get(ctx)));
  };
  add(m.binary, c => c.event.process?.binary);
  add(m.parentBinary, c => c.event.parent?.binary);
  add(m.function, c => c.event.probe?.function);
  add(m.policy, c => c.event.probe?.policy);
  add(m.action, c => c.event.probe?.action);
  add(m.namespace, c => c.event.process?.pod?.namespace);
  if (m.arguments) {
    const { contains, regex } = m.arguments;
    const re = regex !== undefined ? new RegExp(regex) : undefined;
    tests.push(ctx => {
      const args = ctx.event.process?.arguments ?? '';
      if (contains && !contains.some(c => args.includes(c))) return false;
      return re ? re.test(args) : true;
    });
  }
  if (m.labels) {
    const want: Record<string, RegExp> = {};
    for (const [k, v] of Object.entries(m.labels)) want[k] = globToRegExp(v);
    tests.push(ctx => {
      const labels = ctx.event.process?.pod?.labels;
      return !!labels && labelsMatch(labels, want);
    });
  }
  return ctx => tests.every(t => t(ctx));
}

/**
 * Turns validated custom rules into detection rules for the engine.
 * @public
 */
export function compileCustomRules(
  specs: readonly CustomRuleSpec[],
): DetectionRule[] {
  return specs.map(spec => {
    const test = compileMatcher(spec.match);
    return {
      id: spec.id,
      title: spec.title,
      severity: spec.severity,
      mitre: spec.mitre ?? {
        id: 'TA0002',
        name: 'Execution (custom rule without ATT&CK mapping)',
      },
      remediation: spec.remediation ?? "See the rule owner's guidance.",
      eventTypes: spec.match.eventType ?? PROCESS_TYPES,
      source: 'custom' as const,
      match: (ctx: DetectionContext) => (test(ctx) ? {} : undefined),
    };
  });
}
