/* eslint-disable jest/no-export, jest/expect-expect, jest/valid-describe-callback -- helpers that register tests, not a test file */
/**
 * Conditional `describe` / `it` for tests with a prerequisite outside Node (a binary, the local
 * control plane, a registry, PostgreSQL, a corpus). When a prerequisite is missing the tests are
 * skipped and their title says what they need, so every report shows why.
 * `./scripts/test` installs every prerequisite and counts each skipped test as a failure.
 */

/** What a test may need, and how a developer provides it. */
export const NEEDS = {
  cue: 'the cue binary (PERISCOPE_CUE_BIN, or ./scripts/build-tools --peers)',
  timoni:
    'the timoni binary (PERISCOPE_TIMONI_BIN, or ./scripts/build-tools --peers, which builds it from ../shared/peers)',
  kubeconfig:
    'the local control plane (PERISCOPE_KUBECONFIG: the path ./scripts/cluster up prints)',
  realNode:
    'a cluster with the real node (PERISCOPE_REAL_NODE_KUBECONFIG: as root, ./scripts/cluster up --real-node, then ./scripts/cluster seed --profile real-node)',
  oidc: "the local control plane's OIDC issuer (oidc.json beside PERISCOPE_KUBECONFIG, written by ./scripts/cluster up; or PERISCOPE_CLUSTER_OIDC)",
  registry:
    'a local OCI registry (PERISCOPE_REGISTRY_URL: source scripts/lib/registry.sh and run registry_up)',
  registryAuth:
    'a local OCI registry with basic auth (PERISCOPE_REGISTRY_AUTH_URL and PERISCOPE_REGISTRY_AUTH_CREDENTIALS, from registry_up)',
  registryStorage:
    "the local registry's storage directory (PERISCOPE_REGISTRY_STORAGE, from registry_up)",
  postgres:
    'PostgreSQL (BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING; ./scripts/test starts one)',
  corpora:
    'the reference corpora (PERISCOPE_CORPORA, or ../shared/corpora beside the checkout)',
} as const;

/** A prerequisite's name. */
export type Need = keyof typeof NEEDS;
/** Prerequisites by name: each value is what the test uses (a path, a URL), falsy when missing. */
export type Requirements = Partial<Record<Need, unknown>>;

/** Registers a suite: `(name, body)`, as `describe` takes them. */
export type SuiteFn = (name: string, body: () => void) => void;
/** Registers a test: `(name, fn, timeout?)`, as `it` takes them. */
export type TestFn = (
  name: string,
  fn: jest.ProvidesCallback,
  timeout?: number,
) => void;

/** What of `requirements` is missing, in words; undefined when all are met. */
export function missingNeeds(requirements: Requirements): string | undefined {
  const missing = (Object.keys(requirements) as Need[])
    .filter(k => !requirements[k])
    .map(k => NEEDS[k]);
  return missing.length > 0 ? missing.join(' and ') : undefined;
}

/** The title a skipped suite or test gets: its name and what it needs. */
export function skippedTitle(name: string, needs: string): string {
  return `${name} [skipped: needs ${needs}]`;
}

function announce(name: string, needs: string) {
  // eslint-disable-next-line no-console
  console.warn(`SKIPPED ${name}: needs ${needs}`);
}

/**
 * `describe` when every requirement is met; otherwise a `describe.skip` whose title names what
 * is missing, e.g. `describeIf({ cue, kubeconfig })('deploys', () => …)`.
 */
export function describeIf(requirements: Requirements): SuiteFn {
  const needs = missingNeeds(requirements);
  if (!needs) return describe;
  return (name, body) => {
    announce(name, needs);
    // eslint-disable-next-line jest/valid-title, jest/no-disabled-tests
    describe.skip(skippedTitle(name, needs), body);
  };
}

/** `it` when every requirement is met; otherwise an `it.skip` whose title names what is missing. */
export function itIf(requirements: Requirements): TestFn {
  const needs = missingNeeds(requirements);
  if (!needs) return it;
  return (name, fn, timeout) => {
    announce(name, needs);
    // eslint-disable-next-line jest/valid-title, jest/no-disabled-tests
    it.skip(skippedTitle(name, needs), fn, timeout);
  };
}
