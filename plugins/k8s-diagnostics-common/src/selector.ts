import { LabelSelectorSpec } from './kinds';

/**
 * One requirement of a label selector.
 *
 * @public
 */
export interface LabelRequirement {
  key: string;
  operator: 'in' | 'notin' | 'exists' | 'doesnotexist';
  values: string[];
}

/**
 * Thrown for a label selector that does not follow Kubernetes' syntax.
 *
 * @public
 */
export class LabelSelectorSyntaxError extends Error {
  constructor(selector: string, detail: string) {
    super(
      `invalid label selector "${selector}": ${detail}. Use comma-separated terms such as ` +
        `"app=web", "tier!=db", "env in (prod,staging)", "!legacy".`,
    );
    this.name = 'LabelSelectorSyntaxError';
  }
}

const NAME_PART = '[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?';
const KEY_RE = new RegExp(
  `^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?${NAME_PART}$`,
);
const VALUE_RE = new RegExp(`^(${NAME_PART})?$`);

function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current.trim());
      current = '';
    } else {
      current += ch;
    }
  }
  terms.push(current.trim());
  return terms;
}

function checkKey(selector: string, key: string): string {
  if (!KEY_RE.test(key) || key.length > 316) {
    throw new LabelSelectorSyntaxError(
      selector,
      `"${key}" is not a valid label key`,
    );
  }
  return key;
}

function checkValue(selector: string, value: string): string {
  if (!VALUE_RE.test(value) || value.length > 63) {
    throw new LabelSelectorSyntaxError(
      selector,
      `"${value}" is not a valid label value`,
    );
  }
  return value;
}

function parseTerm(selector: string, term: string): LabelRequirement {
  if (term === '') {
    throw new LabelSelectorSyntaxError(selector, 'empty term');
  }
  const set = /^(\S+)\s+(in|notin)\s*\(([^()]*)\)$/.exec(term);
  if (set) {
    const values = set[3].split(',').map(v => checkValue(selector, v.trim()));
    const op = set[2] as 'in' | 'notin';
    return { key: checkKey(selector, set[1]), operator: op, values };
  }
  if (term.startsWith('!')) {
    return {
      key: checkKey(selector, term.slice(1).trim()),
      operator: 'doesnotexist',
      values: [],
    };
  }
  const eq = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
  if (eq) {
    return {
      key: checkKey(selector, eq[1]),
      operator: eq[2] === '!=' ? 'notin' : 'in',
      values: [checkValue(selector, eq[3])],
    };
  }
  if (/^[^=!\s()]+$/.test(term)) {
    return { key: checkKey(selector, term), operator: 'exists', values: [] };
  }
  throw new LabelSelectorSyntaxError(selector, `cannot parse "${term}"`);
}

/**
 * Parses a Kubernetes label selector string (`app=web,tier!=db,env in (a,b),!x,y`).
 * An empty string selects everything.
 *
 * @public
 */
export function parseLabelSelector(selector: string): LabelRequirement[] {
  if (selector.trim() === '') return [];
  return splitTerms(selector).map(term => parseTerm(selector, term));
}

/**
 * Whether labels satisfy every requirement.
 *
 * @public
 */
export function matchesRequirements(
  labels: Record<string, string> | undefined | null,
  requirements: LabelRequirement[],
): boolean {
  const l = labels ?? {};
  for (const r of requirements) {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    switch (r.operator) {
      case 'exists':
        if (!has) return false;
        break;
      case 'doesnotexist':
        if (has) return false;
        break;
      case 'in':
        if (!has || !r.values.includes(l[r.key])) return false;
        break;
      case 'notin':
        if (has && r.values.includes(l[r.key])) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Whether every key=value of `selector` is in `labels` (an empty selector matches all). */
export function matchesLabelMap(
  selector: Record<string, string> | undefined | null,
  labels: Record<string, string> | undefined | null,
): boolean {
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector ?? {})) {
    if (l[k] !== v) return false;
  }
  return true;
}

/** Evaluates a `metav1.LabelSelector` object (matchLabels and matchExpressions). */
export function matchesLabelSelector(
  selector: LabelSelectorSpec | undefined | null,
  labels: Record<string, string> | undefined | null,
): boolean {
  if (!matchesLabelMap(selector?.matchLabels, labels)) return false;
  const reqs: LabelRequirement[] = (selector?.matchExpressions ?? []).map(e => {
    const op = e.operator.toLowerCase();
    const operator =
      op === 'in' || op === 'notin' || op === 'exists' || op === 'doesnotexist'
        ? op
        : 'in';
    return { key: e.key, operator, values: e.values ?? [] };
  });
  return matchesRequirements(labels, reqs);
}
