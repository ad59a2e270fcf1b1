/**
 * Stable placeholders for everything that identifies a cluster, a company or a person before text
 * leaves for an LLM: object names, namespaces, label keys and values, IP addresses, host names,
 * e-mail addresses, URL user names, private image references and secret values. The same input
 * gets the same placeholders (numbered by first appearance), so masked prompts can be cached; the
 * answer is unmasked with the same table.
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
  /** Restores names, hosts, e-mails, users and images; secret placeholders become `[redacted]`, never the value. */
  unmask(text: string): string;
  /** Placeholder to original, for inspection in tests. */
  readonly table: ReadonlyMap<string, string>;
}

/**
 * Whether `unmask` gives the original back, per category. The answer goes to a developer who may
 * read the finding anyway (the explain permission is checked on the entity), so what only
 * identifies things (names, namespaces, labels, IPs, host names, e-mails, URL user names, image
 * repositories) is restored: the reader needs the real name to act on the advice. Secrets
 * (keyworded values, Bearer credentials, JWTs, PEM keys, URL passwords, tokens recognised by their
 * prefix, `--password`-style arguments) never come back: the answer is streamed, cached and may be
 * copied into tickets, and no advice needs the value itself.
 */
export const RESTORED: Record<Category, boolean> = {
  NAME: true,
  NAMESPACE: true,
  LABEL: true,
  IP: true,
  HOST: true,
  EMAIL: true,
  USER: true,
  IMAGE: true,
  SECRET: false,
};

export type Category =
  | 'NAME'
  | 'NAMESPACE'
  | 'LABEL'
  | 'IP'
  | 'HOST'
  | 'EMAIL'
  | 'USER'
  | 'IMAGE'
  | 'SECRET';

/** Every placeholder category, for prompts and for cutting text without splitting a placeholder. */
export const CATEGORIES = Object.keys(RESTORED) as Category[];

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

const PLACEHOLDER =
  /\b(NAME|NAMESPACE|LABEL|IP|HOST|EMAIL|USER|IMAGE|SECRET)_(\d+)\b/g;
const IS_PLACEHOLDER =
  /^(?:NAME|NAMESPACE|LABEL|IP|HOST|EMAIL|USER|IMAGE|SECRET)_\d+$/;

/**
 * Patterns whose `group` is the value to hide. The value is always the end of the match (what
 * follows is in a lookahead), so the replacement cannot hit an earlier copy of it in the match.
 */
const VALUE_PATTERNS: Array<{ re: RegExp; group: number; category: Category }> =
  [
    // PEM keys, also one cut before its END line.
    {
      re: /-----BEGIN [A-Z ]*PRIVATE KEY-----(?:[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----|[\s\S]*$)/g,
      group: 0,
      category: 'SECRET',
    },
    // JWTs.
    {
      re: /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g,
      group: 0,
      category: 'SECRET',
    },
    // Tokens recognisable by their prefix, without a keyword around them.
    { re: /\bgh[opsur]_[A-Za-z0-9]{36,255}\b/g, group: 0, category: 'SECRET' }, // GitHub
    {
      re: /\bgithub_pat_[A-Za-z0-9_]{22,255}\b/g,
      group: 0,
      category: 'SECRET',
    }, // GitHub fine-grained
    { re: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, group: 0, category: 'SECRET' }, // AWS access key id
    { re: /\bxox[abprs]-[A-Za-z0-9-]{10,}/g, group: 0, category: 'SECRET' }, // Slack
    { re: /\bglpat-[A-Za-z0-9_-]{20,}/g, group: 0, category: 'SECRET' }, // GitLab
    {
      re: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g,
      group: 0,
      category: 'SECRET',
    }, // Google API key
    // OpenAI-style keys: mixed case and digits, which no Kubernetes name (lower case) has.
    // (Bounded repetitions: `sk-sk-sk-…` may not make the search quadratic.)
    {
      re: /\bsk-(?=[A-Za-z0-9_-]{0,300}[A-Z])(?=[A-Za-z0-9_-]{0,300}[0-9])[A-Za-z0-9_-]{20,300}/g,
      group: 0,
      category: 'SECRET',
    },
    // Credentials after a keyword.
    {
      re: /\b(?:Bearer|Basic)\s+([A-Za-z0-9._~+/=-]{8,})/gi,
      group: 1,
      category: 'SECRET',
    },
    {
      // The key ends in a keyword (`DB_PASSWORD`, `oauth`); no pattern for what precedes it, which
      // would make the search quadratic on long runs like `a.a.a.a…`.
      re: /(?:password|passwd|pwd|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|credentials?|auth)\b["']?\s*[:=]\s*["']?([^\s"',;}&]+)/gi,
      group: 1,
      category: 'SECRET',
    },
    // Command-line arguments: `--password x`, `--token=x`, `--client-secret "x"`, `-api-key x`.
    {
      re: /(?<![\w-])--?(?:[a-z0-9]+-)*(?:password|passwd|pass|token|secret|api-?key|access-key|secret-key)(?:=|\s+)["']?((?!-)[^\s"']+)/gi,
      group: 1,
      category: 'SECRET',
    },
  ];

/** `scheme://user@host` and `scheme://user:password@host`: the user is a USER, the password a SECRET. */
const URL_CREDENTIALS =
  /(?<![a-z0-9+.-])([a-z][a-z0-9+.-]{0,31}:\/\/)([^\s:/@]+)(?::([^\s@/]*))?@/gi;

const IPV4 =
  /(?<![\d.])(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}(?:\/\d{1,2})?(?![\d.])/g;
const H = '[0-9a-fA-F]{1,4}';
const IPV6 = new RegExp(
  `(?<![0-9A-Za-z:])(?:(?:${H}:){7}${H}|(?:${H}:){1,6}:(?:${H}(?::${H}){0,5})?|::${H}(?::${H}){0,6})(?![0-9A-Za-z:])`,
  'g',
);

const EMAIL =
  /(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}(?![\w-])/g;

const LABEL_RE = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
/** A name with dots whose last label starts with a letter; whether it is a host is decided by {@link isHostName}. */
const HOSTNAME = new RegExp(
  `(?<![\\w.-])(?:${LABEL_RE}\\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?(?![\\w-]|\\.[a-z0-9])`,
  'gi',
);

/**
 * Top-level domains that make a dotted name a host name: common public ones and internal
 * suffixes. Country codes that are also common file extensions (sh, py, md, rs, pl, so, in, cc,
 * br, pt, mk) are left out, so `entrypoint.sh` or `requirements.in` stay as they are; resource
 * names like `deployments.apps` and files like `config.yaml` end in no TLD.
 */
const HOST_TLDS = new Set(
  (
    'com net org io dev app cloud ai co biz info tech online site xyz gov edu mil int me ' +
    'eu us uk de fr nl be ch at se no dk fi es it ie cz ru ua jp cn kr au nz ca mx za sg hk tw il gr hu ro sk si lt lv ee lu is tr ' +
    // internal suffixes (`.cluster.local` ends in local)
    'internal local localdomain svc corp lan intranet intra private priv home arpa consul'
  ).split(' '),
);

/**
 * Public names that identify nobody and help the model: kept, with their subdomains
 * (`registry.k8s.io`, `app.kubernetes.io/name`, `ingresses.networking.k8s.io`).
 */
const PUBLIC_DOMAINS = [
  'kubernetes.io',
  'k8s.io',
  'x-k8s.io',
  'docker.io',
  'docker.com',
  'ghcr.io',
  'quay.io',
  'gcr.io',
  'cert-manager.io',
  // API groups and CSI drivers of common projects and clouds (not their customers' hosts).
  'istio.io',
  'cilium.io',
  'argoproj.io',
  'fluxcd.io',
  'k8sgpt.ai',
  'prometheus.io',
  'coreos.com',
  'csi.aws.com',
  'csi.azure.com',
  'storage.gke.io',
  'public.ecr.aws',
  'mcr.microsoft.com',
  'example.com',
  'example.org',
  'example.net',
];
/** Names kept only as they are (their subdomains, e.g. `db.shop.svc.cluster.local`, are masked). */
const PUBLIC_EXACT = new Set([
  'cluster.local',
  'svc.cluster.local',
  'kubernetes.default.svc',
  'kubernetes.default.svc.cluster.local',
]);

function isPublicHost(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return (
    PUBLIC_EXACT.has(h) ||
    PUBLIC_DOMAINS.some(d => h === d || h.endsWith(`.${d}`))
  );
}

/** Whether a dotted name is a host name that identifies someone (not a public one). */
function isHostName(name: string): boolean {
  const tld = name.slice(name.lastIndexOf('.') + 1).toLowerCase();
  return HOST_TLDS.has(tld) && !isPublicHost(name);
}

/**
 * An image reference with an explicit registry host (a dotted name, an IP, `localhost` or
 * `name:port`): group 1 is `host[:port]/path`, group 2 the `:tag` and/or `@sha256:…` digest.
 */
const IMAGE = new RegExp(
  `(?<![\\w./@:-])((?:${LABEL_RE}(?:\\.${LABEL_RE})+|localhost|${LABEL_RE}(?=:\\d))(?::\\d{1,5})?(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)+)` +
    `((?::\\w[\\w.-]{0,127})?(?:@[a-z0-9]+:[a-f0-9]{32,})?)(?![\\w/-])`,
  'gi',
);

/** Registries whose images are public: their references are kept (names in the path are still masked). */
function isPrivateRegistry(hostAndPort: string): boolean {
  const host = hostAndPort.replace(/:\d+$/, '');
  return !isPublicHost(host);
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Applies `fn` to the parts of `text` that are not placeholders already. */
function outsidePlaceholders(
  text: string,
  fn: (part: string) => string,
): string {
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
export function createPlaceholderMasker(
  input: SensitiveInput,
): PlaceholderMasker {
  const table = new Map<string, string>();
  const byValue = new Map<string, string>();
  const counters = Object.fromEntries(CATEGORIES.map(c => [c, 0])) as Record<
    Category,
    number
  >;
  const placeholderFor = (category: Category, value: string): string => {
    const key = `${category}\u0000${
      category === 'SECRET' || category === 'IP' ? value : value.toLowerCase()
    }`;
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
      if (
        value.length < 3 ||
        GENERIC.has(value) ||
        literals.has(value.toLowerCase())
      )
        continue;
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
      new RegExp(
        `(?<![A-Za-z0-9])(${sorted
          .map(escape)
          .join('|')})((?:-[a-z0-9]{4,10}){0,2})(?![A-Za-z0-9])`,
        'gi',
      )
    : undefined;
  const secretLiterals = (input.secrets ?? [])
    .filter(s => s.length >= 3)
    .sort((a, b) => b.length - a.length);

  function mask(text: string): string {
    let out = text;
    // Secret values first, anywhere (even inside words).
    for (const s of secretLiterals)
      out = outsidePlaceholders(out, part =>
        part.split(s).join(placeholderFor('SECRET', s)),
      );
    // URL credentials before the other patterns (a URL password may look like a token), on the
    // whole text: a password that was a literal secret is a placeholder already.
    out = out.replace(
      URL_CREDENTIALS,
      (_whole, scheme: string, user: string, password: string | undefined) => {
        const u = IS_PLACEHOLDER.test(user)
          ? user
          : placeholderFor('USER', user);
        const p =
          password === undefined
            ? ''
            : `:${
                !password || IS_PLACEHOLDER.test(password)
                  ? password
                  : placeholderFor('SECRET', password)
              }`;
        return `${scheme}${u}${p}@`;
      },
    );
    for (const { re, group, category } of VALUE_PATTERNS) {
      out = outsidePlaceholders(out, part =>
        part.replace(re, (...m: string[]) => {
          const whole = m[0];
          const value = m[group];
          if (!value || IS_PLACEHOLDER.test(value) || !whole.endsWith(value))
            return whole;
          return (
            whole.slice(0, whole.length - value.length) +
            placeholderFor(category, value)
          );
        }),
      );
    }
    // Then what identifies: e-mails before host names (their domain is one), private images
    // (`host/path` masked, the tag or digest kept) before IPs and host names.
    out = outsidePlaceholders(out, part =>
      part.replace(EMAIL, email => placeholderFor('EMAIL', email)),
    );
    out = outsidePlaceholders(out, part =>
      part.replace(
        IMAGE,
        (whole: string, repo: string, tagOrDigest: string) => {
          const slash = repo.indexOf('/');
          // `192.168.0.0/16` is a CIDR, not an image: a repository path has a letter.
          if (
            !/[a-z]/i.test(repo.slice(slash)) ||
            !isPrivateRegistry(repo.slice(0, slash))
          )
            return whole;
          return placeholderFor('IMAGE', repo) + tagOrDigest;
        },
      ),
    );
    out = outsidePlaceholders(out, part =>
      part
        .replace(IPV4, ip => placeholderFor('IP', ip))
        .replace(IPV6, ip => placeholderFor('IP', ip)),
    );
    out = outsidePlaceholders(out, part =>
      part.replace(HOSTNAME, host =>
        isHostName(host) ? placeholderFor('HOST', host) : host,
      ),
    );
    if (literalRe) {
      out = outsidePlaceholders(out, part =>
        part.replace(literalRe, (hit: string, base: string) =>
          placeholderFor(literals.get(base.toLowerCase()) ?? 'NAME', hit),
        ),
      );
    }
    return out;
  }

  function unmask(text: string): string {
    return text.replace(PLACEHOLDER, (whole, category: Category) => {
      if (!table.has(whole)) return whole;
      return RESTORED[category] ? table.get(whole)! : '[redacted]';
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
