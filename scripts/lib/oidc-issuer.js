#!/usr/bin/env node
// A tiny loopback OpenID Connect issuer for the local control plane (scripts/cluster up starts it
// before kube-apiserver, which trusts it through --authentication-config). It serves only what
// kube-apiserver reads: the discovery document and the JWKS of one RSA signing key. Tokens are
// never requested from it: tests sign them with the same key (oidc.json names it), so they can act
// as real people (e-mail + groups) whose RBAC applies. Node built-ins only.
//
// usage:
//   node scripts/lib/oidc-issuer.js serve --signing-key=PEM --tls-cert=PEM --tls-key=PEM --info-out=FILE
//        [--port=0] [--audience=periscope-local] [--ca=PEM]
//     listens on 127.0.0.1 (port 0: a free port the kernel picks), then writes FILE (oidc.json):
//     {issuer, audience, keyFile, kid, port, caFile}. Routes: /.well-known/openid-configuration,
//     /openid/v1/jwks, /healthz ("ok"). TERM or INT stops it.
//   node scripts/lib/oidc-issuer.js token --info=FILE --user=EMAIL [--groups=a,b] [--ttl=SECONDS]
//     prints an RS256 ID token for EMAIL in those groups (groups without the "oidc:" prefix the
//     apiserver adds), signed with the key FILE names.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const https = require('node:https');
const path = require('node:path');

function parseArgs(argv) {
  const out = { _: [] };
  for (const a of argv) {
    const m = /^--([^=]+)=(.*)$/s.exec(a);
    if (m) out[m[1]] = m[2];
    else out._.push(a);
  }
  return out;
}

function die(msg) {
  process.stderr.write(`[oidc-issuer] ERROR: ${msg}\n`);
  process.exit(1);
}

const b64url = buf => Buffer.from(buf).toString('base64url');

/** The public JWK of a private key, with its RFC 7638 thumbprint as kid. */
function publicJwk(privateKey) {
  const jwk = crypto.createPublicKey(privateKey).export({ format: 'jwk' });
  if (jwk.kty !== 'RSA') die(`the signing key must be RSA, got ${jwk.kty}`);
  const kid = b64url(
    crypto
      .createHash('sha256')
      .update(JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n }))
      .digest(),
  );
  return { kty: 'RSA', n: jwk.n, e: jwk.e, kid, use: 'sig', alg: 'RS256' };
}

/** An RS256 JWT (the same shape packages/test-utils signClusterUserToken makes). */
function signJwt({ privateKey, kid, claims }) {
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }));
  const payload = b64url(JSON.stringify(claims));
  const sig = crypto.sign(
    'sha256',
    Buffer.from(`${header}.${payload}`),
    privateKey,
  );
  return `${header}.${payload}.${b64url(sig)}`;
}

function readKey(file, what) {
  try {
    return crypto.createPrivateKey(fs.readFileSync(file));
  } catch (e) {
    return die(`cannot read the ${what} ${file}: ${e.message}`);
  }
}

function serve(args) {
  for (const k of ['signing-key', 'tls-cert', 'tls-key', 'info-out']) {
    if (!args[k]) die(`serve needs --${k}=...`);
  }
  const port = Number(args.port ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    die(`--port=${args.port} is not a port number`);
  const audience = args.audience || 'periscope-local';
  const signingKeyFile = path.resolve(args['signing-key']);
  const jwk = publicJwk(readKey(signingKeyFile, 'signing key'));
  let tls;
  try {
    tls = {
      cert: fs.readFileSync(args['tls-cert']),
      key: fs.readFileSync(args['tls-key']),
    };
  } catch (e) {
    die(`cannot read the TLS certificate or key: ${e.message}`);
  }
  let issuer = '';
  const json = (res, code, body) => {
    res.writeHead(code, {
      'content-type': 'application/json',
      'cache-control': 'no-store',
    });
    res.end(JSON.stringify(body));
  };
  const server = https.createServer(tls, (req, res) => {
    const url = (req.url || '').split('?')[0];
    let code = 200;
    if (req.method !== 'GET') {
      code = 405;
      json(res, code, { error: 'method not allowed' });
    } else if (url === '/.well-known/openid-configuration') {
      json(res, code, {
        issuer,
        jwks_uri: `${issuer}/openid/v1/jwks`,
        response_types_supported: ['id_token'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        claims_supported: [
          'iss',
          'sub',
          'aud',
          'exp',
          'iat',
          'email',
          'email_verified',
          'groups',
        ],
      });
    } else if (url === '/openid/v1/jwks') {
      json(res, code, { keys: [jwk] });
    } else if (url === '/healthz') {
      res.writeHead(code, { 'content-type': 'text/plain' });
      res.end('ok');
    } else {
      code = 404;
      json(res, code, { error: 'not found' });
    }
    if (url !== '/healthz')
      process.stdout.write(
        `${new Date().toISOString()} ${req.method} ${url} ${code}\n`,
      );
  });
  server.on('error', e =>
    die(`cannot listen on 127.0.0.1:${port}: ${e.message}`),
  );
  server.listen(port, '127.0.0.1', () => {
    const actual = server.address().port;
    issuer = `https://127.0.0.1:${actual}`;
    const info = {
      issuer,
      audience,
      keyFile: signingKeyFile,
      kid: jwk.kid,
      port: actual,
      caFile: args.ca ? path.resolve(args.ca) : undefined,
    };
    // written whole (rename), so whoever waits for the file never reads half of it
    const tmp = `${args['info-out']}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, `${JSON.stringify(info, null, 2)}\n`, {
      mode: 0o600,
    });
    fs.renameSync(tmp, args['info-out']);
    process.stdout.write(
      `${new Date().toISOString()} serving ${issuer} (kid ${
        jwk.kid
      }, audience ${audience})\n`,
    );
  });
  const stop = sig => {
    process.stdout.write(`${new Date().toISOString()} ${sig}: stopping\n`);
    server.close();
    server.closeAllConnections?.();
    process.exit(0);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

function token(args) {
  if (!args.info || !args.user)
    die('token needs --info=<oidc.json> and --user=<email>');
  let info;
  try {
    info = JSON.parse(fs.readFileSync(args.info, 'utf8'));
  } catch (e) {
    die(
      `cannot read ${args.info}: ${e.message}. Run scripts/cluster up first.`,
    );
  }
  const ttl = Number(args.ttl ?? 600);
  const now = Math.floor(Date.now() / 1000);
  const groups = (args.groups || '').split(',').filter(Boolean);
  const privateKey = readKey(info.keyFile, 'signing key');
  process.stdout.write(
    `${signJwt({
      privateKey,
      kid: info.kid,
      claims: {
        iss: info.issuer,
        aud: info.audience,
        sub: args.user,
        email: args.user,
        email_verified: true,
        groups,
        iat: now,
        nbf: now,
        exp: now + ttl,
      },
    })}\n`,
  );
}

const args = parseArgs(process.argv.slice(2));
switch (args._[0]) {
  case 'serve':
    serve(args);
    break;
  case 'token':
    token(args);
    break;
  default:
    process.stderr.write(
      'usage: oidc-issuer.js serve --signing-key=… --tls-cert=… --tls-key=… --info-out=… [--port=0] [--audience=…] [--ca=…]\n' +
        '       oidc-issuer.js token --info=<oidc.json> --user=<email> [--groups=a,b] [--ttl=600]\n',
    );
    process.exit(2);
}
