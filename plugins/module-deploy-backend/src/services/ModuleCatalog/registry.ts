import { parseOciReference } from '@periscope/backstage-plugin-module-deploy-common';
import {
  listRegistryTags,
  RegistryOptions,
} from '@periscope/backstage-plugin-module-deploy-node';

/**
 * Options for listing tags: the engine's registry options (per-host credentials, token-realm
 * allow list, byte caps, time limit), so `GET /modules` follows the same rules as a pull.
 */
export type TagListOptions = RegistryOptions;

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
 * with the engine's registry client: credentials only for their own host, token realms only on
 * that host or the allow list, answers size- and time-capped. Newest version first.
 */
export async function listTags(
  repository: string,
  opts: TagListOptions = {},
): Promise<string[]> {
  const ref = parseOciReference(repository);
  return sortTags(
    await listRegistryTags(
      ref.host,
      ref.repository,
      opts,
      `listing the versions of ${repository}`,
    ),
  );
}
