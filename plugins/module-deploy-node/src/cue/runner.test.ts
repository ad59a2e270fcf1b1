import { existsSync, promises as fs } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeIf } from '@periscope/test-utils';
import {
  CueEvaluationError,
  cueEnv,
  cueExportJson,
  parseCueErrors,
  runningProcesses,
  runProcess,
  setMaxConcurrentProcesses,
} from './runner';
import { cueForTests } from '../__testUtils__/environment';

/** Sets process.env keys for one test, restoring them after. */
function withEnv(vars: Record<string, string>): () => void {
  const before = Object.fromEntries(
    Object.keys(vars).map(k => [k, process.env[k]]),
  );
  Object.assign(process.env, vars);
  return () => {
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

describe('the environment cue runs with', () => {
  it('is PATH, LANG, a throw-away HOME and cache, and no registry', () => {
    expect(
      cueEnv('/tmp/h', {
        PATH: '/bin',
        LANG: 'de_DE.UTF-8',
        AWS_SECRET_ACCESS_KEY: 'x',
        POSTGRES_PASSWORD: 'y',
        CUE_REGISTRY: 'registry.example',
      }),
    ).toEqual({
      PATH: '/bin',
      LANG: 'de_DE.UTF-8',
      HOME: '/tmp/h',
      CUE_CACHE_DIR: '/tmp/h/cache',
      CUE_CONFIG_DIR: '/tmp/h/config',
      CUE_REGISTRY: 'none',
    });
    expect(cueEnv('/tmp/h', {})).toMatchObject({
      PATH: '/usr/local/bin:/usr/bin:/bin',
      LANG: 'C.UTF-8',
    });
  });

  it('reaches the spawned binary: no backend secret, a temporary HOME removed after', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cue-env-'));
    const out = join(dir, 'env.txt');
    // a stand-in cue that records the environment it was given, then prints JSON
    const fake = join(dir, 'cue');
    await fs.writeFile(
      fake,
      `#!/bin/sh\nenv > '${out}'\necho '{"ok":true}'\n`,
      { mode: 0o755 },
    );
    const restore = withEnv({
      PERISCOPE_TEST_DB_PASSWORD: 'hunter2-secret',
      GITHUB_TOKEN: 'ghp_secret',
      CUE_REGISTRY: 'registry.example',
    });
    try {
      await expect(cueExportJson(fake, ['.'], dir, 'test')).resolves.toEqual({
        ok: true,
      });
    } finally {
      restore();
    }
    const env = Object.fromEntries(
      (await fs.readFile(out, 'utf8'))
        .trim()
        .split('\n')
        .map(l => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    // sh itself adds PWD (and may add SHLVL, _); nothing of the backend's environment
    const own = Object.keys(env).filter(
      k => !['PWD', 'SHLVL', '_'].includes(k),
    );
    expect(own.sort()).toEqual([
      'CUE_CACHE_DIR',
      'CUE_CONFIG_DIR',
      'CUE_REGISTRY',
      'HOME',
      'LANG',
      'PATH',
    ]);
    expect(env.CUE_REGISTRY).toBe('none');
    expect(JSON.stringify(env)).not.toMatch(/secret|hunter2/);
    expect(env.HOME).toMatch(/periscope-cue-home-/);
    expect(env.CUE_CACHE_DIR).toBe(join(env.HOME, 'cache'));
    expect(existsSync(env.HOME)).toBe(false);
  });

  it('is replaced as a whole by an explicit env', async () => {
    const res = await runProcess('/usr/bin/env', [], { env: { ONLY: 'this' } });
    expect(res.stdout.trim()).toBe('ONLY=this');
  });
});

describe('parseCueErrors on a dependency cue may not fetch', () => {
  it.each([
    'example.com/app@v0: import failed: cannot find package "registry.example.com/lib": cannot fetch registry.example.com/lib@v0.1.0: module not found:',
    'example.com/app@v0: import failed: cannot find package "registry.example.com/lib": cannot find module providing package registry.example.com/lib:',
  ])('says why and what to do: %s', stderr => {
    const [issue] = parseCueErrors(`${stderr}\n    ./a.cue:2:8\n`);
    expect(issue.message).toMatch(
      /CUE module dependency it does not contain; Periscope runs cue without network access to module registries \(CUE_REGISTRY=none\), so vendor the package into the module \(cue\.mod\/pkg\/registry\.example\.com\/lib\) or remove the dependency/,
    );
    expect(issue.positions).toEqual(['./a.cue:2:8']);
  });

  it('leaves other errors alone', () => {
    expect(parseCueErrors('values.x: conflicting values 1 and 2:')).toEqual([
      {
        path: 'values.x',
        valuesPath: 'x',
        message: 'conflicting values 1 and 2',
        positions: [],
      },
    ]);
  });
});

const cue = cueForTests();
describeIf({ cue })('the real cue without registry access', () => {
  it('fails on a remote dependency with a clear error, and fetches nothing', async () => {
    // a registry stand-in the backend's own CUE_REGISTRY points at: cue must not ask it
    const asked: string[] = [];
    const srv = createServer((req, res) => {
      asked.push(req.url ?? '');
      res.statusCode = 404;
      res.end();
    });
    await new Promise<void>(r => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as AddressInfo).port;
    const dir = await mkdtemp(join(tmpdir(), 'cue-remote-'));
    await fs.mkdir(join(dir, 'cue.mod'));
    await fs.writeFile(
      join(dir, 'cue.mod/module.cue'),
      'module: "example.com/app@v0"\nlanguage: version: "v0.9.0"\ndeps: "registry.example.com/lib@v0": v: "v0.1.0"\n',
    );
    await fs.writeFile(
      join(dir, 'a.cue'),
      'package app\nimport "registry.example.com/lib"\nx: lib.y\n',
    );
    const restore = withEnv({ CUE_REGISTRY: `127.0.0.1:${port}+insecure` });
    try {
      const err = await cueExportJson(
        cue as string,
        ['.'],
        dir,
        'rendering app',
      ).catch(e => e);
      expect(err).toBeInstanceOf(CueEvaluationError);
      expect((err as Error).message).toMatch(
        /^rendering app:\n.*cannot find package "registry.example.com\/lib".*Periscope runs cue without network access to module registries \(CUE_REGISTRY=none\), so vendor the package into the module \(cue.mod\/pkg\/registry.example.com\/lib\)/,
      );
    } finally {
      restore();
      await new Promise(r => srv.close(r));
    }
    expect(asked).toEqual([]);
  });

  it('still evaluates a module whose dependency is vendored', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cue-vendored-'));
    await fs.mkdir(join(dir, 'cue.mod/pkg/registry.example.com/lib'), {
      recursive: true,
    });
    await fs.writeFile(
      join(dir, 'cue.mod/module.cue'),
      'module: "example.com/app@v0"\nlanguage: version: "v0.9.0"\n',
    );
    await fs.writeFile(
      join(dir, 'cue.mod/pkg/registry.example.com/lib/lib.cue'),
      'package lib\ny: 1\n',
    );
    await fs.writeFile(
      join(dir, 'a.cue'),
      'package app\nimport "registry.example.com/lib"\nx: lib.y\n',
    );
    await expect(
      cueExportJson(cue as string, ['.'], dir, 'rendering app'),
    ).resolves.toEqual({ x: 1 });
  });
});

describe('process limit', () => {
  afterEach(() => setMaxConcurrentProcesses(4));

  it('runs at most moduleDeploy.maxConcurrentRenders processes at once; the others wait and all finish', async () => {
    setMaxConcurrentProcesses(2);
    let most = 0;
    const sampler = setInterval(() => {
      most = Math.max(most, runningProcesses());
    }, 5);
    const runs = Array.from({ length: 6 }, (_, i) =>
      runProcess(process.execPath, [
        '-e',
        `setTimeout(() => console.log(${i}), 150)`,
      ]),
    );
    const results = await Promise.all(runs);
    clearInterval(sampler);
    expect(results.map(r => r.stdout.trim())).toEqual([
      '0',
      '1',
      '2',
      '3',
      '4',
      '5',
    ]);
    expect(most).toBe(2);
    expect(runningProcesses()).toBe(0);
  });

  it('refuses a limit below one with the config key', () => {
    expect(() => setMaxConcurrentProcesses(0)).toThrow(
      /at least 1, not 0: check moduleDeploy.maxConcurrentRenders/,
    );
  });
});
