import { promises as fs } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import {
  IncomingMessage,
  Server,
  ServerResponse,
  createServer,
} from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildModuleArtifact } from '../cue/modulePackage';
import { pullModule } from './pull';
import { pushModule } from './push';
import { createRegistryClient, listRegistryTags } from './registryClient';

/*
 * The registry client against loopback node:http stand-ins: which host gets which credentials,
 * which token realms are followed, byte caps and time limits. (The real registry runs in
 * oci.test.ts.)
 */

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface Stub {
  host: string;
  /** Every request: method, url and its Authorization header. */
  seen: { method?: string; url?: string; authorization?: string }[];
  close(): Promise<void>;
}

const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(
    servers.map(s => {
      s.closeAllConnections();
      return new Promise(r => s.close(r));
    }),
  );
});

async function serve(handler: Handler): Promise<Stub> {
  const seen: Stub['seen'] = [];
  const srv = createServer((req, res) => {
    seen.push({
      method: req.method,
      url: req.url,
      authorization: req.headers.authorization,
    });
    handler(req, res);
  });
  servers.push(srv);
  await new Promise<void>(r => srv.listen(0, '127.0.0.1', r));
  return {
    host: `127.0.0.1:${(srv.address() as AddressInfo).port}`,
    seen,
    close: async () => {
      srv.closeAllConnections();
      await new Promise(r => srv.close(r));
    },
  };
}

async function moduleArtifact() {
  const dir = join(await mkdtemp(join(tmpdir(), 'mod-')), 'm');
  await fs.mkdir(join(dir, 'cue.mod'), { recursive: true });
  await fs.writeFile(
    join(dir, 'cue.mod/module.cue'),
    'module: "timoni.sh/app"',
  );
  return buildModuleArtifact(dir, { version: '1.0.0' });
}

/** A registry stand-in serving one artifact, with an optional auth check. */
function registryHandler(
  art: Awaited<ReturnType<typeof moduleArtifact>>,
  opts: {
    auth?: (req: IncomingMessage, res: ServerResponse) => boolean;
    blob?: (digest: string, res: ServerResponse) => boolean;
  } = {},
): Handler {
  const blobs = new Map(
    [...art.layers, art.config].map(b => [b.digest, b.data]),
  );
  return (req, res) => {
    if (opts.auth && !opts.auth(req, res)) return;
    const m = /\/(manifests|blobs)\/(.+)$/.exec(req.url ?? '');
    if (m?.[1] === 'blobs' && opts.blob?.(decodeURIComponent(m[2]), res))
      return;
    const body =
      m?.[1] === 'manifests'
        ? art.manifest
        : blobs.get(decodeURIComponent(m?.[2] ?? ''));
    res.statusCode = body ? 200 : 404;
    res.end(body);
  };
}

const dest = async () => join(await mkdtemp(join(tmpdir(), 'pull-')), 'out');

describe('credentials per registry host', () => {
  it('sends an entry only to its own host; another host gets nothing', async () => {
    const art = await moduleArtifact();
    const a = await serve(registryHandler(art));
    const b = await serve(registryHandler(art));
    const registries = [
      { host: a.host, username: 'alice', password: 'secret' },
    ];
    await pullModule(`oci://${a.host}/m@${art.digest}`, await dest(), {
      registries,
    });
    await pullModule(`oci://${b.host}/m@${art.digest}`, await dest(), {
      registries,
      credentials: 'legacy:ignored',
    });
    const basic = `Basic ${Buffer.from('alice:secret').toString('base64')}`;
    expect(a.seen.length).toBeGreaterThan(0);
    expect(a.seen.every(s => s.authorization === basic)).toBe(true);
    expect(b.seen.length).toBeGreaterThan(0);
    expect(b.seen.every(s => s.authorization === undefined)).toBe(true);
  });

  it('sends a configured token as a bearer token, and says when it is refused', async () => {
    const art = await moduleArtifact();
    const r = await serve(
      registryHandler(art, {
        auth: (req, res) => {
          if (req.headers.authorization === 'Bearer good') return true;
          res.statusCode = 401;
          res.setHeader('www-authenticate', 'Basic realm="r"');
          res.end();
          return false;
        },
      }),
    );
    const ref = `oci://${r.host}/m@${art.digest}`;
    await expect(
      pullModule(ref, await dest(), {
        registries: [{ host: r.host, token: 'good' }],
      }),
    ).resolves.toMatchObject({ digest: art.digest });
    await expect(
      pullModule(ref, await dest(), {
        registries: [{ host: r.host, token: 'bad' }],
      }),
    ).rejects.toThrow(
      `pulling ${ref}: the registry ${r.host} refused the token of registries entry '${r.host}' (HTTP 401); check or renew the token`,
    );
  });

  it('says which host needs credentials and where to give them', async () => {
    const art = await moduleArtifact();
    const r = await serve(
      registryHandler(art, {
        auth: (_req, res) => {
          res.statusCode = 401;
          res.setHeader('www-authenticate', 'Basic realm="r"');
          res.end();
          return false;
        },
      }),
    );
    await expect(
      pullModule(`oci://${r.host}/m:1.0.0`, await dest(), {
        registries: [{ host: 'other.example', username: 'u', password: 'p' }],
      }),
    ).rejects.toThrow(
      new RegExp(
        `the registry ${r.host} requires authentication \\(Basic\\); give credentials for ${r.host}: in the backend a moduleDeploy.registries entry \\{ host: '${r.host}'.*PERISCOPE_REGISTRY_USERNAME`,
      ),
    );
  });

  it('does not send the Authorization header along a redirect to another host', async () => {
    const art = await moduleArtifact();
    const cdn = await serve(registryHandler(art));
    const r = await serve(
      registryHandler(art, {
        blob: (digest, res) => {
          res.statusCode = 307;
          res.setHeader('location', `http://${cdn.host}/blobs/${digest}`);
          res.end();
          return true;
        },
      }),
    );
    await pullModule(`oci://${r.host}/m@${art.digest}`, await dest(), {
      registries: [{ host: r.host, username: 'u', password: 'p' }],
    });
    expect(r.seen.every(s => s.authorization?.startsWith('Basic '))).toBe(true);
    expect(cdn.seen.length).toBe(art.layers.length);
    expect(cdn.seen.every(s => s.authorization === undefined)).toBe(true);
  });

  it('refuses a redirect from https to plain http on another host', async () => {
    const fetchImpl = jest.fn(async () =>
      Promise.resolve(
        new Response(null, {
          status: 302,
          headers: { location: 'http://cdn.example/blob' },
        }),
      ),
    ) as unknown as typeof fetch;
    const client = createRegistryClient(
      'r.example',
      'm',
      { fetchImpl },
      'pulling x',
    );
    await expect(client.get('/blobs/sha256:00')).rejects.toThrow(
      /pulling x: the registry sent GET \/blobs\/sha256:00 to http:\/\/cdn.example, plain http on another host; refusing it/,
    );
    expect(fetchImpl).toHaveBeenCalledTimes(1);
  });
});

describe('bearer token realms', () => {
  /** A registry on `host` (through a stub fetch) whose challenge names `realm`. */
  function stubRegistry(realm: string) {
    const calls: { url: string; authorization?: string }[] = [];
    const fetchImpl = (async (input: URL | string, init?: RequestInit) => {
      const url = input.toString();
      const authorization = (init?.headers as Record<string, string>)
        ?.Authorization;
      calls.push({ url, authorization });
      if (url.startsWith(realm.replace(/\?.*$/, '')))
        return new Response(JSON.stringify({ token: 'tok' }));
      if (authorization !== 'Bearer tok')
        return new Response(null, {
          status: 401,
          headers: {
            'www-authenticate': `Bearer realm="${realm}",service="r",scope="repository:m:pull"`,
          },
        });
      return new Response(JSON.stringify({ tags: ['1.0.0'] }));
    }) as typeof fetch;
    return { calls, fetchImpl };
  }
  const creds = [{ host: 'registry.example', username: 'u', password: 'p' }];

  it('gets a token from https on the registry host, sending the credentials there', async () => {
    const s = stubRegistry('https://registry.example/token');
    await expect(
      listRegistryTags(
        'registry.example',
        'm',
        {
          registries: creds,
          fetchImpl: s.fetchImpl,
        },
        'listing',
      ),
    ).resolves.toEqual(['1.0.0']);
    const tokenCall = s.calls.find(c => c.url.includes('/token'));
    expect(tokenCall?.url).toBe(
      'https://registry.example/token?service=r&scope=repository%3Am%3Apull',
    );
    expect(tokenCall?.authorization).toMatch(/^Basic /);
  });

  it('refuses a realm on another host, without sending it anything', async () => {
    const s = stubRegistry('https://evil.example/token');
    await expect(
      listRegistryTags(
        'registry.example',
        'm',
        {
          registries: creds,
          fetchImpl: s.fetchImpl,
        },
        'listing oci://registry.example/m',
      ),
    ).rejects.toThrow(
      "listing oci://registry.example/m: the registry registry.example asks for a token from https://evil.example/token, a host other than the registry's; Periscope sends registry credentials and token requests only to the registry's own host. If evil.example really is the token service of registry.example, add 'evil.example' to moduleDeploy.registryTokenRealms",
    );
    expect(s.calls.map(c => new URL(c.url).host)).toEqual(['registry.example']);
  });

  it('follows a realm on another host once it is on the allow list', async () => {
    const s = stubRegistry('https://auth.example/token');
    await expect(
      listRegistryTags(
        'registry.example',
        'm',
        {
          registries: creds,
          tokenRealms: ['auth.example'],
          fetchImpl: s.fetchImpl,
        },
        'listing',
      ),
    ).resolves.toEqual(['1.0.0']);
  });

  it('refuses an http realm on another host even when anonymous', async () => {
    const s = stubRegistry('http://evil.example/token');
    await expect(
      listRegistryTags(
        'registry.example',
        'm',
        { fetchImpl: s.fetchImpl },
        'listing',
      ),
    ).rejects.toThrow(
      /asks for a token from http:\/\/evil.example\/token, a host other/,
    );
    const s2 = stubRegistry('http://auth.example/token');
    await expect(
      listRegistryTags(
        'registry.example',
        'm',
        {
          tokenRealms: ['auth.example'],
          fetchImpl: s2.fetchImpl,
        },
        'listing',
      ),
    ).rejects.toThrow(/over plain http \(http:\/\/auth.example\/token\)/);
    expect(s.calls).toHaveLength(1);
    expect(s2.calls).toHaveLength(1);
  });

  it('follows an http realm on loopback (a stand-in token server on another port)', async () => {
    const art = await moduleArtifact();
    let tokenHost = '';
    const tokens = await serve((_req, res) => {
      res.end(JSON.stringify({ token: 'tok' }));
    });
    tokenHost = tokens.host;
    const r = await serve(
      registryHandler(art, {
        auth: (req, res) => {
          if (req.headers.authorization === 'Bearer tok') return true;
          res.statusCode = 401;
          res.setHeader(
            'www-authenticate',
            `Bearer realm="http://${tokenHost}/token",service="t"`,
          );
          res.end();
          return false;
        },
      }),
    );
    await expect(
      pullModule(`oci://${r.host}/m@${art.digest}`, await dest()),
    ).resolves.toMatchObject({ digest: art.digest });
    expect(tokens.seen).toHaveLength(1);
  });
});

describe('byte caps and time limits', () => {
  it('refuses a manifest whose Content-Length is over the cap, naming ref, tag, cap and key', async () => {
    const art = await moduleArtifact();
    const r = await serve(registryHandler(art));
    const ref = `oci://${r.host}/m:1.0.0`;
    await expect(
      pullModule(ref, await dest(), { maxManifestBytes: 100 }),
    ).rejects.toThrow(
      `pulling ${ref}: the manifest 1.0.0 is larger than the 100 bytes limit (the registry announced ${art.manifest.length} bytes); refusing it. Raise moduleDeploy.registry.maxManifestBytes if it is really this large`,
    );
  });

  it('refuses a streamed answer without Content-Length once it passes the cap', async () => {
    let sent = 0;
    const r = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const more = () => {
        // keeps sending until the client hangs up (or 64 MiB, a safety net)
        if (res.destroyed || sent > 64 * 1024 * 1024) return res.end();
        sent += chunk.length;
        if (res.write(chunk)) setImmediate(more);
        else res.once('drain', more);
        return undefined;
      };
      more();
    });
    const ref = `oci://${r.host}/m:1.0.0`;
    await expect(
      pullModule(ref, await dest(), { maxManifestBytes: 1024 * 1024 }),
    ).rejects.toThrow(
      `pulling ${ref}: the manifest 1.0.0 is larger than the 1 MiB limit (more than 1048576 bytes arrived); refusing it. Raise moduleDeploy.registry.maxManifestBytes if it is really this large`,
    );
    expect(sent).toBeLessThan(32 * 1024 * 1024);
  });

  it('refuses a layer the manifest declares over the blob cap, before downloading it', async () => {
    const art = await moduleArtifact();
    const r = await serve(registryHandler(art));
    const ref = `oci://${r.host}/m@${art.digest}`;
    const first = art.layers[0];
    await expect(
      pullModule(ref, await dest(), { maxBlobBytes: first.size - 1 }),
    ).rejects.toThrow(
      `pulling ${ref}: layer ${first.digest} is ${
        first.size
      } bytes, more than the ${
        first.size - 1
      }-byte blob limit; refusing it. Raise moduleDeploy.registry.maxBlobBytes if the module is really this large`,
    );
    expect(r.seen.some(s => s.url?.includes('/blobs/'))).toBe(false);
  });

  it('refuses a layer that streams past the blob cap without Content-Length, naming its digest', async () => {
    const art = await moduleArtifact();
    const r = await serve(
      registryHandler(art, {
        blob: (_digest, res) => {
          res.writeHead(200);
          res.write(Buffer.alloc(4096));
          res.end(Buffer.alloc(4096));
          return true;
        },
      }),
    );
    const ref = `oci://${r.host}/m@${art.digest}`;
    const cap = Math.max(...art.layers.map(l => l.size)) + 10;
    await expect(
      pullModule(ref, await dest(), { maxBlobBytes: cap }),
    ).rejects.toThrow(
      `pulling ${ref}: layer ${art.layers[0].digest} is larger than the ${cap} bytes limit (more than ${cap} bytes arrived); refusing it. Raise moduleDeploy.registry.maxBlobBytes if it is really this large`,
    );
  });

  it('refuses a layer whose bytes do not match its digest', async () => {
    const art = await moduleArtifact();
    const r = await serve(
      registryHandler(art, {
        blob: (digest, res) => {
          const layer = art.layers.find(l => l.digest === digest);
          const data = Buffer.from(layer?.data ?? Buffer.alloc(0));
          data[data.length - 1] ^= 0xff;
          res.end(data);
          return true;
        },
      }),
    );
    await expect(
      pullModule(`oci://${r.host}/m@${art.digest}`, await dest()),
    ).rejects.toThrow(/layer digest mismatch \(expected sha256:.*refusing it/);
  });

  it('gives up on a registry that does not answer, naming the limit and its key', async () => {
    const r = await serve(() => {
      /* never answers */
    });
    const ref = `oci://${r.host}/m:1.0.0`;
    await expect(
      pullModule(ref, await dest(), { timeoutMs: 200 }),
    ).rejects.toThrow(
      new RegExp(
        `^pulling ${ref}: the registry at ${r.host} did not finish answering http://${r.host}/v2/m/manifests/1.0.0 within 200 ms; check that the registry is healthy, or raise moduleDeploy.registry.timeoutMs$`,
      ),
    );
  });

  it('gives up on a body that stalls after the headers', async () => {
    const art = await moduleArtifact();
    const r = await serve(
      registryHandler(art, {
        blob: (_digest, res) => {
          res.writeHead(200, { 'content-length': '100000' });
          res.write(Buffer.alloc(10));
          return true;
        },
      }),
    );
    const ref = `oci://${r.host}/m@${art.digest}`;
    await expect(
      pullModule(ref, await dest(), { timeoutMs: 300 }),
    ).rejects.toThrow(
      `pulling ${ref}: the registry at ${r.host} did not finish sending layer ${art.layers[0].digest} within 300 ms; check that the registry is healthy, or raise moduleDeploy.registry.timeoutMs`,
    );
  });

  it('applies the caps and credentials rules to pushes too', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'mod-')), 'm');
    await fs.mkdir(join(dir, 'cue.mod'), { recursive: true });
    await fs.writeFile(
      join(dir, 'cue.mod/module.cue'),
      'module: "timoni.sh/app"',
    );
    const r = await serve((_req, res) => {
      res.statusCode = 401;
      res.setHeader(
        'www-authenticate',
        'Bearer realm="https://evil.example/token",service="r"',
      );
      res.end();
    });
    await expect(
      pushModule(dir, `oci://${r.host}/m`, {
        version: '1.0.0',
        registries: [{ host: r.host, username: 'u', password: 'p' }],
      }),
    ).rejects.toThrow(
      /^pushing .* asks for a token from https:\/\/evil.example\/token, a host other than the registry's/,
    );
    expect(r.seen).toHaveLength(1);
  });
});

describe('createRegistryClient tags', () => {
  it('follows Link pagination on the registry host only', async () => {
    let other = '';
    const r = await serve((req, res) => {
      if (req.url?.includes('last=b')) {
        res.setHeader(
          'link',
          `<http://${other}/v2/m/tags/list?last=c>; rel="next"`,
        );
        res.end(JSON.stringify({ tags: ['c'] }));
        return;
      }
      res.setHeader('link', '</v2/m/tags/list?n=2&last=b>; rel="next"');
      res.end(JSON.stringify({ tags: ['a', 'b'] }));
    });
    other = 'evil.example';
    await expect(
      listRegistryTags(r.host, 'm', {}, 'listing the versions of m'),
    ).rejects.toThrow(
      "listing the versions of m: the registry's next tag page is on another host (http://evil.example); refusing it",
    );
    const ok = await serve((_req, res) => {
      res.end(JSON.stringify({ tags: ['1.0.0'] }));
    });
    await expect(listRegistryTags(ok.host, 'm', {}, 'x')).resolves.toEqual([
      '1.0.0',
    ]);
    const garbage = await serve((_req, res) => res.end('<html>'));
    await expect(listRegistryTags(garbage.host, 'm', {}, 'x')).rejects.toThrow(
      'x: the tag list the registry sent is not JSON',
    );
  });
});

describe('manifests that are not what they claim', () => {
  const content = 'application/vnd.timoni.content.v1.tar+gzip';
  const digest = `sha256:${'a'.repeat(64)}`;
  it.each([
    [
      'not JSON',
      '<html>',
      /the manifest is not JSON; is the reference an OCI artifact\?/,
    ],
    ['null', 'null', /the manifest is not an OCI image manifest/],
    ['a list', '[]', /the manifest is not an OCI image manifest/],
    [
      'layers that are not a list',
      '{"layers":5}',
      /the manifest is not an OCI image manifest/,
    ],
    [
      'a null layer',
      '{"layers":[null]}',
      /no layer of type application\/vnd.timoni.content.v1.tar\+gzip/,
    ],
    [
      'a layer digest that is not sha256',
      JSON.stringify({
        layers: [{ mediaType: content, digest: 'md5:00', size: 1 }],
      }),
      /layer digest 'md5:00' is not sha256; the artifact is not one Periscope or Timoni pushed/,
    ],
    [
      'a layer size that is a string',
      JSON.stringify({ layers: [{ mediaType: content, digest, size: '10' }] }),
      /layer sha256:a{64} declares the size "10", which is not a byte count/,
    ],
    [
      'a negative layer size',
      JSON.stringify({ layers: [{ mediaType: content, digest, size: -1 }] }),
      /declares the size -1, which is not a byte count/,
    ],
  ])('refuses %s, naming the reference', async (_l, body, message) => {
    const r = await serve((_req, res) => res.end(body));
    const ref = `oci://${r.host}/m:1.0.0`;
    const err = await pullModule(ref, await dest()).then(
      () => new Error('pulled'),
      (e: Error) => e,
    );
    expect(err.message).toMatch(message);
    expect(err.message.startsWith(`pulling ${ref}: `)).toBe(true);
  });
});
