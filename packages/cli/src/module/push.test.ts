import { cp, mkdtemp, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { pullModule } from '@periscope/backstage-plugin-module-deploy-backend/engine';
import { parseAnnotations, registerModulePushCommand } from './push';
import { describeIf } from '@periscope/test-utils';

const CORPORA =
  process.env.PERISCOPE_CORPORA ??
  resolve(__dirname, '../../../../../shared/corpora');
const MINIMAL = join(CORPORA, 'timoni/modules/minimal');
const REGISTRY = process.env.PERISCOPE_REGISTRY_URL;
const HOST = REGISTRY?.replace(/^https?:\/\//, '').replace(/\/.*$/, '');

async function run(args: string[]): Promise<{ out: string; err: string }> {
  let out = '';
  let err = '';
  const program = new Command('periscope')
    .exitOverride()
    .configureOutput({ writeErr: s => (err += s), writeOut: s => (out += s) });
  const mod = program.command('module').exitOverride();
  registerModulePushCommand(mod, () => ({
    out: s => {
      out += s;
    },
    err: s => {
      err += s;
    },
  }));
  mod.commands.forEach(c =>
    c.exitOverride().configureOutput({ writeErr: s => (err += s) }),
  );
  await program.parseAsync(['module', 'push', ...args], { from: 'user' });
  return { out, err };
}

describe('periscope module push: input errors', () => {
  it('requires --version', async () => {
    await expect(
      run([MINIMAL, 'oci://127.0.0.1:9/periscope/minimal']),
    ).rejects.toThrow(/required option '-v, --version <version>'/);
  });

  it('refuses a malformed annotation and a bad version before any network call', async () => {
    expect(() => parseAnnotations(['novalue'])).toThrow(
      /invalid annotation 'novalue': use key=value/,
    );
    expect(parseAnnotations(['a=b=c'])).toEqual({ a: 'b=c' });
    await expect(
      run([MINIMAL, 'oci://127.0.0.1:9/p/m', '-v', '1.0.0', '-a', 'x']),
    ).rejects.toThrow(/invalid annotation 'x'/);
    await expect(
      run([MINIMAL, 'oci://127.0.0.1:9/p/m', '-v', 'v1.0.0']),
    ).rejects.toThrow(/module version 'v1.0.0' is not valid/);
  });

  it('names the registry it cannot reach', async () => {
    await expect(
      run([MINIMAL, 'oci://127.0.0.1:9/p/m', '-v', '1.0.0']),
    ).rejects.toThrow(/cannot reach the registry at http:\/\/127.0.0.1:9/);
  });
});

describeIf({ registry: REGISTRY })(
  'periscope module push against a real registry',
  () => {
    const repo = `oci://${HOST}/periscope-h4-cli-${Date.now().toString(
      36,
    )}/minimal`;

    it('pushes, prints the digest URL, and the module pulls back by it', async () => {
      const { out, err } = await run([
        MINIMAL,
        repo,
        '--version',
        '0.5.0',
        '--latest',
        '-a',
        'org.opencontainers.image.licenses=Apache-2.0',
      ]);
      expect(err).toBe(`pushed ${repo}:0.5.0, :latest\n`);
      const url = out.trim();
      expect(url).toMatch(new RegExp(`^${repo}@sha256:[a-f0-9]{64}$`));
      const dest = join(await mkdtemp(join(tmpdir(), 'cli-push-')), 'm');
      const pulled = await pullModule(`${repo}:latest`, dest);
      expect(`${pulled.url}@${pulled.digest}`).toBe(url);
      expect(pulled.version).toBe('0.5.0');
    });

    it('prints Timoni-style JSON with -o json', async () => {
      const { out } = await run([MINIMAL, repo, '-v', '0.6.0', '-o', 'json']);
      const info = JSON.parse(out);
      expect(Object.keys(info).sort()).toEqual([
        'digest',
        'repository',
        'url',
        'version',
      ]);
      expect(info).toMatchObject({ repository: repo, version: '0.6.0' });
      expect(info.url).toBe(`${repo}@${info.digest}`);
    });

    it('leaves *_test.cue files out of the pushed module', async () => {
      const work = await mkdtemp(join(tmpdir(), 'cli-push-test-cue-'));
      const src = join(work, 'src');
      await cp(MINIMAL, src, { recursive: true });
      await writeFile(
        join(src, 'templates', 'service_test.cue'),
        'package templates\n\ncases: "defaults": {}\n',
      );
      await writeFile(join(src, 'timoni.ignore'), '!*_test.cue\n', {
        flag: 'a',
      });
      const { out } = await run([src, `${repo}-tests`, '-v', '0.7.0']);
      const pulled = await pullModule(out.trim(), join(work, 'pulled'));
      await expect(
        stat(join(pulled.dir, 'templates', 'service.cue')),
      ).resolves.toBeTruthy();
      await expect(
        stat(join(pulled.dir, 'templates', 'service_test.cue')),
      ).rejects.toThrow(/ENOENT/);
    });
  },
);
