/**
 * Stable placeholders for everything that identifies a cluster before text leaves for an LLM:
 * object names, namespaces, label keys and values, IP addresses and secret values. The same
 * input gets the same placeholders (numbered by first appearance), so masked prompts can be
 * cached; the answer is unmasked with the same table.
 */

/** What to hide, by category. */
export interface SensitiveInput {
  names: string[];
  namespaces: string[];
  labels: string[];
  /** Literal secret values (e.g. decoded Secret data) to hide wherever they appear. */
  secrets?: string[];
}

/** A masking session: mask texts in a fixed order, then unmask answers. */
export interface PlaceholderMasker {
  mask(text: string): string;
  /** Restores names; secret placeholders become `[redacted]`, never the value. */
  unmask(text: string): string;
  /** Placeholder to original, for inspection in tests. */
  readonly table: ReadonlyMap<string, string>;
}

type Category = 'NAME' | 'NAMESPACE' | 'LABEL' | 'IP' | 'SECRET';

/** Label keys that say nothing about the workload and help the model: kept as they are. */
const GENERIC = new Set([
  'app',
  'app.kubernetes.io/name',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/component',
  'app.kubernetes.io/part-of',
  'app.kubernetes.io/version',
  'app.kubernetes.io/managed-by',
  'backstage.io/kubernetes-id',
  'pod-template-hash',
  'controller-uid',
  'job-name',
  'batch.kubernetes.io/job-name',
  'batch.kubernetes.io/controller-uid',
  'controller-revision-hash',
  'statefulset.kubernetes.io/pod-name',
  'true',
  'false',
]);

const PLACEHOLDER = /\b(NAME|NAMESPACE|LABEL|IP|SECRET)_(\d+)\b/g;

/** `password=...`, `token: ...`, `Authorization: Bearer ...`, PEM keys, JWTs. */
const SECRET_PATTERNS: Array<{ re: RegExp; group: number }> = [
  { re: /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, group: 0 },
  { re: /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g, group: 0 },
  { re: /\b(?:Bearer|Basic)\s+([A-Za-z0-9._~+/=-]{8,})/gi, group: 1 },
  {
    re: /\b(?:[a-z0-9_.-]*(?:password|passwd|pwd|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|credentials?|auth))\b["']?\s*[:=]\s*["']?([^\s"',;}&]+)/gi,
    group: 1,
  },
  { re: /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:([^\s@/]+)@/gi, group: 1 },
];

const IPV4 = /(?<![\d.])(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}(?:\/\d{1,2})?(?![\d.])/g;
const H = '[0-9a-fA-F]{1,4}';
const IPV6 = new RegExp(
  `(?<![0-9A-Za-z:])(?:(?:${H}:){7}${H}|(?:${H}:){1,6}:(?:${H}(?::${H}){0,5})?|::${H}(?::${H}){0,6})(?![0-9A-Za-z:])`,
  'g',
);

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Applies `fn` to the parts of `text` that are not placeholders already. */
function outsidePlaceholders(text: string, fn: (part: string) => string): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(PLACEHOLDER)) {
    out += fn(text.slice(last, m.index)) + m[0];
    last = (m.index ?? 0) + m[0].length;
  }
  return out + fn(text.slice(last));
}

/**
 * Creates a masker for one finding. Literal strings shorter than 3 characters are not masked
 * (they would mangle ordinary words); generic label keys are kept.
 */
export function createPlaceholderMasker(input: SensitiveInput): PlaceholderMasker {
  const table = new Map<string, string>();
  const byValue = new Map<string, string>();
  const counters: Record<Category, number> = { NAME: 0, NAMESPACE: 0, LABEL: 0, IP: 0, SECRET: 0 };
  const placeholderFor = (category: Category, value: string): string => {
    const key = `${category}\u0000${category === 'SECRET' || category === 'IP' ? value : value.toLowerCase()}`;
    let p = byValue.get(key);
    if (!p) {
      p = `${category}_${++counters[category]}`;
      byValue.set(key, p);
      table.set(p, value);
    }
    return p;
  };

  const literals = new Map<string, Category>();
  const add = (values: string[] | undefined, category: Category) => {
    for (const v of values ?? []) {
      const value = v.trim();
      if (value.length < 3 || GENERIC.has(value) || literals.has(value.toLowerCase())) continue;
      literals.set(value.toLowerCase(), category);
    }
  };
  // Earlier categories win when a string is in several.
  add(input.secrets, 'SECRET');
  add(input.namespaces, 'NAMESPACE');
  add(input.names, 'NAME');
  add(input.labels, 'LABEL');
  const sorted = [...literals.keys()].sort((a, b) => b.length - a.length);
  const literalRe = sorted.length
    ? // A known name followed by generated suffixes (ReplicaSet hash, pod id) is masked whole.
      new RegExp(`(?<![A-Za-z0-9])(${sorted.map(escape).join('|')})((?:-[a-z0-9]{4,10}){0,2})(?![A-Za-z0-9])`, 'gi')
    : undefined;
  const secretLiterals = (input.secrets ?? []).filter(s => s.length >= 3).sort((a, b) => b.length - a.length);

  function mask(text: string): string {
    let out = text;
    // Secret values first, anywhere (even inside words).
    for (const s of secretLiterals) out = outsidePlaceholders(out, part => part.split(s).join(placeholderFor('SECRET', s)));
    for (const { re, group } of SECRET_PATTERNS) {
      out = outsidePlaceholders(out, part =>
        part.replace(re, (...m: string[]) => {
          const whole = m[0];
          const value = m[group];
          if (!value || /^(?:NAME|NAMESPACE|LABEL|IP|SECRET)_\d+$/.test(value)) return whole;
          return group === 0 ? placeholderFor('SECRET', value) : whole.replace(value, placeholderFor('SECRET', value));
        }),
      );
    }
    out = outsidePlaceholders(out, part => part.replace(IPV4, ip => placeholderFor('IP', ip)).replace(IPV6, ip => placeholderFor('IP', ip)));
    if (literalRe) {
      out = outsidePlaceholders(out, part =>
        part.replace(literalRe, (hit: string, base: string) => placeholderFor(literals.get(base.toLowerCase()) ?? 'NAME', hit)),
      );
    }
    return out;
  }

  function unmask(text: string): string {
    return text.replace(PLACEHOLDER, (whole, category: string) => {
      if (category === 'SECRET') return table.has(whole) ? '[redacted]' : whole;
      return table.get(whole) ?? whole;
    });
  }

  return { mask, unmask, table };
}

/**
 * Unmasks a stream of text chunks: a trailing part that may be the start of a placeholder is
 * held back until the next chunk (or `flush`).
 */
export function createStreamingUnmasker(unmask: (text: string) => string) {
  let pending = '';
  return {
    push(chunk: string): string {
      pending += chunk;
      const hold = /[A-Z][A-Z_0-9]{0,15}$/.exec(pending);
      const cut = hold ? hold.index : pending.length;
      const ready = pending.slice(0, cut);
      pending = pending.slice(cut);
      return ready ? unmask(ready) : '';
    },
    flush(): string {
      const rest = pending;
      pending = '';
      return rest ? unmask(rest) : '';
    },
  };
}
