import { promises as fs } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MissingToolError, findTool, resolveTool } from './tools';

describe('resolveTool', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tools-'));
  });

  it('names the missing binary and how to get it', () => {
    const env = { PATH: dir, PERISCOPE_CACHE: dir, HOME: dir };
    expect(() => resolveTool('cue', { env })).toThrow(MissingToolError);
    expect(() => resolveTool('cue', { env })).toThrow(
      /'cue' binary was not found .*\.\/scripts\/build-tools.*PERISCOPE_CUE_BIN/,
    );
    expect(findTool('timoni', { env })).toBeUndefined();
  });

  it('prefers the env variable, then the cache, then PATH', async () => {
    const bin = async (p: string) => {
      await fs.mkdir(join(p, '..'), { recursive: true });
      await fs.writeFile(p, '#!/bin/sh\n', { mode: 0o755 });
      return p;
    };
    const onPath = await bin(join(dir, 'path', 'cue'));
    const cached = await bin(
      join(dir, 'cache', 'kube', 'abc123', 'bin', 'cue'),
    );
    const explicit = await bin(join(dir, 'explicit', 'cue'));
    const env = {
      PATH: join(dir, 'path'),
      PERISCOPE_CACHE: join(dir, 'cache'),
    };
    expect(
      resolveTool('cue', { env: { PATH: env.PATH, PERISCOPE_CACHE: dir } }),
    ).toBe(onPath);
    expect(resolveTool('cue', { env })).toBe(cached);
    expect(
      resolveTool('cue', { env: { ...env, PERISCOPE_CUE_BIN: explicit } }),
    ).toBe(explicit);
  });

  it('rejects an env path that is not an executable file', async () => {
    const f = join(dir, 'not-exec');
    await fs.writeFile(f, 'x', { mode: 0o644 });
    expect(() => resolveTool('cue', { env: { PERISCOPE_CUE_BIN: f } })).toThrow(
      /PERISCOPE_CUE_BIN points the 'cue' binary at .*not an executable file/,
    );
  });
});
