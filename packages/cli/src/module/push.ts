import { Command, Option } from 'commander';
import {
  PushOptions,
  PushResult,
  pushModule,
} from '@periscope/backstage-plugin-module-deploy-backend/engine';

/**
 * Options of `periscope module push` (from commander).
 *
 * @public
 */
export interface ModulePushCliOptions {
  version?: string;
  latest?: boolean;
  insecureHttp?: boolean;
  creds?: string;
  annotation?: string[];
  output?: string;
}

/**
 * Where `periscope module push` writes, and what pushes (tests pass their own).
 *
 * @public
 */
export interface ModulePushIo {
  out(s: string): void;
  err(s: string): void;
  push?: (dir: string, url: string, opts: PushOptions) => Promise<PushResult>;
}

/** Parses `key=value` annotations (a value may contain `=`). */
export function parseAnnotations(args: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of args) {
    const eq = a.indexOf('=');
    if (eq <= 0)
      throw new Error(
        `invalid annotation '${a}': use key=value (e.g. org.opencontainers.image.licenses=Apache-2.0)`,
      );
    out[a.slice(0, eq)] = a.slice(eq + 1);
  }
  return out;
}

/**
 * `periscope module push <dir> oci://host/repo --version X`: packages the module as Timoni's
 * OCI artifact (what `timoni mod push` produces) and pushes it; prints the digest URL.
 *
 * @public
 */
export async function pushAction(
  io: ModulePushIo,
  dir: string,
  url: string,
  o: ModulePushCliOptions,
): Promise<void> {
  if (!o.version)
    throw new Error('--version is required (the module version, e.g. 1.0.0)');
  const credentials = o.creds ?? process.env.PERISCOPE_REGISTRY_CREDENTIALS;
  const res = await (io.push ?? pushModule)(dir, url, {
    version: o.version,
    latest: o.latest ?? false,
    plainHttp: o.insecureHttp ?? false,
    credentials: credentials || undefined,
    annotations: parseAnnotations(o.annotation),
  });
  if (o.output === 'json') {
    const { tags: _tags, ...info } = res;
    io.out(`${JSON.stringify(info, null, 2)}\n`);
    return;
  }
  io.err(`pushed ${res.repository}:${res.tags.join(', :')}\n`);
  io.out(`${res.url}\n`);
}

function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

/**
 * Adds `push` to the `periscope module` command.
 *
 * @public
 */
export function registerModulePushCommand(
  mod: Command,
  io: () => ModulePushIo = () => ({
    out: s => process.stdout.write(s),
    err: s => process.stderr.write(s),
  }),
): Command {
  return mod
    .command('push <module-dir> <oci-url>')
    .description(
      "package a module as Timoni's OCI artifact and push it under its version tag; prints oci://host/repo@sha256:...",
    )
    .requiredOption(
      '-v, --version <version>',
      'module version: the tag (strict semver, e.g. 1.0.0 or 2.0.0-rc.1)',
    )
    .option('--latest', 'also tag this version latest', false)
    .option(
      '--insecure-http',
      'talk plain http to the registry (always for localhost / 127.0.0.1)',
      false,
    )
    .option(
      '--creds <user:password>',
      'registry credentials (default: $PERISCOPE_REGISTRY_CREDENTIALS)',
    )
    .option(
      '-a, --annotation <key=value>',
      'extra OCI manifest annotation; repeatable',
      collect,
      [],
    )
    .addOption(
      new Option('-o, --output <format>', 'print the result as').choices([
        'json',
      ]),
    )
    .action((dir: string, url: string, o: ModulePushCliOptions) =>
      pushAction(io(), dir, url, o),
    );
}
