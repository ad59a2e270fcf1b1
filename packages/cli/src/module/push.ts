import { Command, Option } from 'commander';
import {
  PushOptions,
  PushResult,
  pushModule,
} from '@periscope/backstage-plugin-module-deploy-node';
import { parseOciReference } from '@periscope/backstage-plugin-module-deploy-common';
import { REGISTRY_ENV, pushRegistryOptions } from './registryConfig';

/**
 * Options of `periscope module push` (from commander).
 *
 * @public
 */
export interface ModulePushCliOptions {
  version?: string;
  latest?: boolean;
  insecureHttp?: boolean;
  /** Registry config file (YAML or JSON) with credentials per host. */
  registryConfig?: string;
  /** Refused: credentials are not taken from the command line. */
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
  /** Environment with the registry credentials (default process.env). */
  env?: NodeJS.ProcessEnv;
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
  if (o.creds !== undefined)
    throw new Error(
      `--creds is not accepted: a password on the command line shows in the process list and the shell history. Set ${REGISTRY_ENV.username} and ${REGISTRY_ENV.password} (or ${REGISTRY_ENV.token}) in the environment, or give the registry's credentials in a file with --registry-config <file> (see periscope module push --help)`,
    );
  if (!o.version)
    throw new Error('--version is required (the module version, e.g. 1.0.0)');
  const annotations = parseAnnotations(o.annotation);
  let host: string;
  try {
    host = parseOciReference(url).host;
  } catch (e) {
    throw new Error(
      `push target '${url}': ${
        (e as Error).message
      }; write oci://host/repository`,
    );
  }
  const registry = pushRegistryOptions(
    host,
    o.registryConfig,
    io.env ?? process.env,
    s => io.err(s),
  );
  const res = await (io.push ?? pushModule)(dir, url, {
    version: o.version,
    latest: o.latest ?? false,
    plainHttp: o.insecureHttp ?? false,
    ...registry,
    annotations,
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
      '--registry-config <file>',
      `registry credentials per host, YAML or JSON: registries: [{host, username, password | token, insecure?}], tokenRealms?: [host] (default: $${REGISTRY_ENV.config}, else ~/.config/periscope/registries.yaml when it exists); $${REGISTRY_ENV.username} and $${REGISTRY_ENV.password} (or $${REGISTRY_ENV.token}) give the target's credentials instead`,
    )
    .addOption(
      new Option(
        '--creds <user:password>',
        'refused: credentials do not belong on the command line',
      ).hideHelp(),
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
