/**
 * ID tokens for real people on the local control plane. `./scripts/cluster up` runs a loopback
 * OIDC issuer (scripts/lib/oidc-issuer.js) that kube-apiserver trusts, and writes `oidc.json`
 * (issuer, audience, signing key file, kid) into its state dir, beside the admin kubeconfig.
 * A token signed here authenticates as user `oidc:<user>` in groups `oidc:<group>`, so that
 * user's Kubernetes RBAC applies (scripts/lib/cluster/oidc-rbac.yaml: `oidc:shop-deployers` edit
 * namespace shop, `oidc:viewers` view it, anyone else gets nothing).
 */
import { KeyObject, createPrivateKey, sign } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Path of an `oidc.json` to use when there is none beside the kubeconfig. */
export const CLUSTER_OIDC_ENV = 'PERISCOPE_CLUSTER_OIDC';

/** What `./scripts/cluster up` writes to `<state dir>/oidc.json`. */
export interface ClusterOidc {
  /** `https://127.0.0.1:<port>`, the `iss` kube-apiserver expects. */
  issuer: string;
  /** The `aud` kube-apiserver expects (`periscope-local`). */
  audience: string;
  /** The issuer's RSA private key (PEM). */
  keyFile: string;
  /** The key id the issuer's JWKS publishes. */
  kid: string;
  /** The cluster CA that signed the issuer's serving certificate. */
  caFile?: string;
}

/**
 * The `oidc.json` of the cluster whose admin kubeconfig is `kubeconfig` (default
 * `PERISCOPE_KUBECONFIG`): the file beside it, else `PERISCOPE_CLUSTER_OIDC`; undefined when
 * neither exists. Suits `describeIf({ kubeconfig, oidc: clusterOidcFile(kubeconfig) })`.
 */
export function clusterOidcFile(
  kubeconfig: string | undefined = process.env.PERISCOPE_KUBECONFIG,
): string | undefined {
  const candidates = [
    kubeconfig ? path.join(path.dirname(kubeconfig), 'oidc.json') : undefined,
    process.env[CLUSTER_OIDC_ENV],
  ];
  return candidates.find((f): f is string => !!f && fs.existsSync(f));
}

/** Reads the cluster's `oidc.json` (see {@link clusterOidcFile}); throws saying how to get one. */
export function readClusterOidc(kubeconfig?: string): ClusterOidc {
  const file = clusterOidcFile(kubeconfig ?? process.env.PERISCOPE_KUBECONFIG);
  if (!file) {
    throw new Error(
      `no oidc.json beside the kubeconfig ${
        kubeconfig ?? process.env.PERISCOPE_KUBECONFIG ?? '(none given)'
      } and ${CLUSTER_OIDC_ENV} is not set: start the local control plane with ./scripts/cluster up (it writes <state dir>/oidc.json)`,
    );
  }
  const info = JSON.parse(fs.readFileSync(file, 'utf8')) as ClusterOidc;
  for (const k of ['issuer', 'audience', 'keyFile', 'kid'] as const) {
    if (typeof info[k] !== 'string' || !info[k]) {
      throw new Error(
        `${file} has no "${k}"; run ./scripts/cluster down and up again`,
      );
    }
  }
  return info;
}

/** Options of {@link signClusterUserToken}. */
export interface ClusterUserTokenOptions {
  /** The cluster's admin kubeconfig (what `./scripts/cluster up` prints); default `PERISCOPE_KUBECONFIG`. */
  kubeconfig?: string;
  /** The person's e-mail: the `email` claim; Kubernetes sees user `oidc:<user>`. */
  user: string;
  /** Group names without the prefix: `['shop-deployers']` becomes group `oidc:shop-deployers`. */
  groups?: string[];
  /** Lifetime from `issuedAt`, default 600. */
  ttlSeconds?: number;
  /** Default now. A time far enough back makes an expired token. */
  issuedAt?: Date;
  /** For negative tests: sign with this key instead of the issuer's (kube-apiserver must refuse it). */
  signingKey?: KeyObject | string;
  /** For negative tests: another `aud`. */
  audience?: string;
}

const b64url = (data: string | Buffer) =>
  Buffer.from(data).toString('base64url');

/**
 * An RS256 ID token from the local control plane's OIDC issuer for `user` in `groups`: send it
 * as `Authorization: Bearer <token>` (or a kubeconfig user `token`) and kube-apiserver
 * authenticates `oidc:<user>` with groups `oidc:<group>…`, whose RBAC then applies.
 */
export function signClusterUserToken(options: ClusterUserTokenOptions): string {
  const info = readClusterOidc(options.kubeconfig);
  const key =
    options.signingKey ?? createPrivateKey(fs.readFileSync(info.keyFile));
  const iat = Math.floor((options.issuedAt ?? new Date()).getTime() / 1000);
  const header = b64url(
    JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: info.kid }),
  );
  const payload = b64url(
    JSON.stringify({
      iss: info.issuer,
      aud: options.audience ?? info.audience,
      sub: options.user,
      email: options.user,
      email_verified: true,
      groups: options.groups ?? [],
      iat,
      exp: iat + (options.ttlSeconds ?? 600),
    }),
  );
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), key);
  return `${header}.${payload}.${b64url(signature)}`;
}
