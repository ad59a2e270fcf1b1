import { parseOciReference } from '@periscope/backstage-plugin-module-deploy-common';

/** Options for listing tags. */
export interface TagListOptions {
  credentials?: string;
  plainHttp?: boolean;
  fetchImpl?: typeof fetch;
}

function basic(credentials?: string): Record<string, string> {
  return credentials
    ? { Authorization: `Basic ${Buffer.from(credentials).toString('base64')}` }
    : {};
}

async function bearerToken(
  challenge: string,
  opts: TagListOptions,
  what: string,
): Promise<string> {
  const params: Record<string, string> = {};
  for (const m of challenge
    .replace(/^Bearer\s+/i, '')
    .matchAll(/(\w+)="([^"]*)"/g))
    params[m[1]] = m[2];
  if (!params.realm)
    throw new Error(
      `${what}: the registry sent an authentication challenge without a realm`,
    );
  const url = new URL(params.realm);
  if (params.service) url.searchParams.set('service', params.service);
  if (params.scope) url.searchParams.set('scope', params.scope);
  const res = await (opts.fetchImpl ?? fetch)(url, {
    headers: basic(opts.credentials),
  });
  if (!res.ok)
    throw new Error(
      `${what}: getting a registry token failed (HTTP ${res.status}); check moduleDeploy.registry.credentials`,
    );
  const body = (await res.json()) as { token?: string; access_token?: string };
  const token = body.token ?? body.access_token;
  if (!token)
    throw new Error(`${what}: the registry token response had no token`);
  return token;
}

/** Orders tags newest first: semantic versions descending, then the rest alphabetically. */
export function sortTags(tags: string[]): string[] {
  const semver = (t: string) =>
    /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?$/.exec(t);
  return [...tags].sort((a, b) => {
    const ma = semver(a);
    const mb = semver(b);
    if (ma && mb) {
      for (let i = 1; i <= 3; i++)
        if (Number(ma[i]) !== Number(mb[i]))
          return Number(mb[i]) - Number(ma[i]);
      if (!ma[4] !== !mb[4]) return ma[4] ? 1 : -1; // a release sorts before its pre-releases
      return (mb[4] ?? '').localeCompare(ma[4] ?? '');
    }
    if (ma) return -1;
    if (mb) return 1;
    return a.localeCompare(b);
  });
}

/**
 * Lists the tags of an OCI repository through the distribution API (`/v2/<repo>/tags/list`),
 * anonymously, with basic credentials, or with a bearer token obtained from the challenge.
 */
export async function listTags(
  repository: string,
  opts: TagListOptions = {},
): Promise<string[]> {
  const ref = parseOciReference(repository);
  const local = /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(ref.host);
  const url = `${opts.plainHttp || local ? 'http' : 'https'}://${ref.host}/v2/${
    ref.repository
  }/tags/list`;
  const what = `listing the versions of ${repository}`;
  const doFetch = opts.fetchImpl ?? fetch;
  let headers = basic(opts.credentials);
  for (let attempt = 0; attempt < 2; attempt++) {
    let res: Response;
    try {
      res = await doFetch(url, { headers });
    } catch (e) {
      throw new Error(
        `${what}: cannot reach the registry at ${ref.host} (${
          (e as Error).message
        })`,
      );
    }
    const challenge = res.headers.get('www-authenticate');
    if (
      res.status === 401 &&
      attempt === 0 &&
      challenge &&
      /^Bearer/i.test(challenge)
    ) {
      headers = {
        Authorization: `Bearer ${await bearerToken(challenge, opts, what)}`,
      };
      continue;
    }
    // a basic-auth registry (htpasswd), or a bearer token that was not enough
    if (res.status === 401)
      throw new Error(
        opts.credentials
          ? `${what}: the registry refused the credentials (HTTP 401); check moduleDeploy.registry.credentials`
          : `${what}: the registry requires credentials (HTTP 401); set moduleDeploy.registry.credentials`,
      );
    if (res.status === 404)
      throw new Error(`${what}: the repository does not exist in the registry`);
    if (!res.ok)
      throw new Error(`${what}: the registry answered HTTP ${res.status}`);
    const body = (await res.json()) as { tags?: string[] | null };
    return sortTags(body.tags ?? []);
  }
  // not reached: the second attempt (after a bearer challenge) returns or throws above
  throw new Error(
    `${what}: the registry refused the credentials (HTTP 401); set moduleDeploy.registry.credentials`,
  );
}
