import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  PullOptions,
  RegistryHostConfig,
  parseRegistryHosts,
  parseTokenRealms,
} from '@periscope/backstage-plugin-module-deploy-node';

/*
 * Registry credentials for the CLI come from a file or the environment, never from argv (a
 * password on the command line shows in the process list and in shell history):
 *
 *   --registry-config <file>, else $PERISCOPE_REGISTRY_CONFIG, else
 *   ${XDG_CONFIG_HOME:-~/.config}/periscope/registries.yaml when it exists:
 *     registries:
 *       - { host: ghcr.io, username: bot, password: ghp_... }
 *       - { host: registry.internal:5000, token: ..., insecure: true }
 *     tokenRealms: [auth.docker.io]
 *
 *   for the push target: PERISCOPE_REGISTRY_USERNAME and PERISCOPE_REGISTRY_PASSWORD, or
 *   PERISCOPE_REGISTRY_TOKEN, or PERISCOPE_REGISTRY_CREDENTIALS (user:password, the old form).
 */

/** Environment variables with the push target's credentials. */
export const REGISTRY_ENV = {
  username: 'PERISCOPE_REGISTRY_USERNAME',
  password: 'PERISCOPE_REGISTRY_PASSWORD',
  token: 'PERISCOPE_REGISTRY_TOKEN',
  credentials: 'PERISCOPE_REGISTRY_CREDENTIALS',
  config: 'PERISCOPE_REGISTRY_CONFIG',
} as const;

/** What a registry config file holds. */
export interface RegistryFileConfig {
  registries: RegistryHostConfig[];
  tokenRealms: string[];
}

/** The default registry config file (it need not exist). */
export function defaultRegistryConfigPath(env: NodeJS.ProcessEnv): string {
  return join(
    env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config'),
    'periscope',
    'registries.yaml',
  );
}

/**
 * Parses a registry config file's text (YAML or JSON); errors name the file and the entry.
 */
export function parseRegistryConfig(
  text: string,
  file: string,
): RegistryFileConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new Error(
      `registry config ${file} is not valid YAML or JSON (${
        (e as Error).message.split('\n')[0]
      }); write registries: [{ host, username, password }]`,
    );
  }
  if (doc === null || doc === undefined)
    return { registries: [], tokenRealms: [] };
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new Error(
      `registry config ${file} must be a mapping with registries (and optionally tokenRealms), e.g. registries: [{ host: ghcr.io, username: bot, password: ... }]`,
    );
  const d = doc as Record<string, unknown>;
  const unknown = Object.keys(d).filter(
    k => k !== 'registries' && k !== 'tokenRealms',
  );
  if (unknown.length)
    throw new Error(
      `registry config ${file} has unknown key(s) ${unknown
        .map(k => `'${k}'`)
        .join(', ')}: it holds registries and tokenRealms only`,
    );
  return {
    registries: parseRegistryHosts(d.registries, `${file}: registries`),
    tokenRealms: parseTokenRealms(d.tokenRealms, `${file}: tokenRealms`),
  };
}

/**
 * Reads the registry config file: `file` (the --registry-config flag), else
 * $PERISCOPE_REGISTRY_CONFIG (both must exist), else the default path when it exists. Warns
 * through `warn` when a file with secrets can be read by other users.
 */
export function readRegistryConfigFile(
  file: string | undefined,
  env: NodeJS.ProcessEnv,
  warn: (s: string) => void = () => undefined,
): RegistryFileConfig | undefined {
  const given = file ?? env[REGISTRY_ENV.config];
  const path = given || defaultRegistryConfigPath(env);
  let text: string;
  let mode: number;
  try {
    mode = statSync(path).mode;
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (!given && (e as NodeJS.ErrnoException).code === 'ENOENT')
      return undefined;
    let from = '';
    if (file) from = ' (--registry-config)';
    else if (given) from = ` ($${REGISTRY_ENV.config})`;
    throw new Error(
      `cannot read the registry config ${path}${from}: ${
        (e as Error).message
      }; check the path`,
    );
  }
  const parsed = parseRegistryConfig(text, path);
  // eslint-disable-next-line no-bitwise
  if (mode & 0o077 && parsed.registries.some(r => r.password || r.token))
    warn(
      `warning: the registry config ${path} holds passwords or tokens and other users may read it; run chmod 600 ${path}\n`,
    );
  return parsed;
}

/**
 * Credentials for the push target from the environment, or undefined when none are set.
 * Errors name the variables that are wrong.
 */
export function registryEnvCredentials(
  host: string,
  env: NodeJS.ProcessEnv,
): RegistryHostConfig | undefined {
  const username = env[REGISTRY_ENV.username] || undefined;
  const password = env[REGISTRY_ENV.password] || undefined;
  const token = env[REGISTRY_ENV.token] || undefined;
  const legacy = env[REGISTRY_ENV.credentials] || undefined;
  const set = [
    username || password ? 'username/password' : undefined,
    token ? 'token' : undefined,
    legacy ? 'credentials' : undefined,
  ].filter(Boolean);
  if (set.length > 1)
    throw new Error(
      `registry credentials for ${host} are set more than one way in the environment (${REGISTRY_ENV.username}/${REGISTRY_ENV.password}, ${REGISTRY_ENV.token}, ${REGISTRY_ENV.credentials}): keep one`,
    );
  if (!!username !== !!password)
    throw new Error(
      `${
        username ? REGISTRY_ENV.username : REGISTRY_ENV.password
      } is set without ${
        username ? REGISTRY_ENV.password : REGISTRY_ENV.username
      }: set both (or ${REGISTRY_ENV.token} instead)`,
    );
  if (username)
    return parseRegistryHosts(
      [{ host, username, password }],
      `$${REGISTRY_ENV.username}`,
    )[0];
  if (token) return { host, token };
  if (legacy) {
    const colon = legacy.indexOf(':');
    if (colon <= 0)
      throw new Error(
        `${REGISTRY_ENV.credentials} must be user:password; or set ${REGISTRY_ENV.username} and ${REGISTRY_ENV.password}`,
      );
    return {
      host,
      username: legacy.slice(0, colon),
      password: legacy.slice(colon + 1),
    };
  }
  return undefined;
}

/**
 * Registry options of a push to `host`: the registry config file's entries, with the
 * environment's credentials (when set) as the entry of `host`.
 */
export function pushRegistryOptions(
  host: string,
  file: string | undefined,
  env: NodeJS.ProcessEnv,
  warn?: (s: string) => void,
): Pick<PullOptions, 'registries' | 'tokenRealms'> {
  const fromFile = readRegistryConfigFile(file, env, warn);
  const fromEnv = registryEnvCredentials(host, env);
  const key = (h: string) => h.toLowerCase();
  // the environment's entry first: it wins over a file entry for the same host
  const registries = [
    ...(fromEnv ? [fromEnv] : []),
    ...(fromFile?.registries ?? []).filter(
      r => !fromEnv || key(r.host) !== key(host),
    ),
  ];
  return { registries, tokenRealms: fromFile?.tokenRealms ?? [] };
}

/**
 * Registry options of the CLI's pulls (`module vet|render|diff|apply oci://…`, bundles): the
 * registry config file ($PERISCOPE_REGISTRY_CONFIG or the default path), read when a pull
 * first needs it, so that a broken file only fails commands that use a registry.
 */
export function lazyPullOptions(env: NodeJS.ProcessEnv): PullOptions {
  let loaded: RegistryFileConfig | undefined | null = null;
  const load = () => {
    if (loaded === null)
      loaded = readRegistryConfigFile(undefined, env, s =>
        process.stderr.write(s),
      );
    return loaded;
  };
  const opts: PullOptions = {};
  Object.defineProperty(opts, 'registries', {
    enumerable: true,
    get: () => load()?.registries ?? [],
  });
  Object.defineProperty(opts, 'tokenRealms', {
    enumerable: true,
    get: () => load()?.tokenRealms ?? [],
  });
  return opts;
}
