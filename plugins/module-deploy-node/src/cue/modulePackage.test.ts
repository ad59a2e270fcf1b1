import { promises as fs } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  buildModuleArtifact,
  collectLayerEntries,
  gitAnnotations,
  gitIgnoreMatcher,
  validateModuleVersion,
} from './modulePackage';
import {
  TIMONI_CONFIG_MEDIA_TYPE,
  TIMONI_CONTENT_MEDIA_TYPE,
} from '../oci/types';
import { packTar, packTarGz, unpackTarGz } from '../oci/tar';
import { timoniCorpus } from '../__testUtils__/environment';

const tmp = () => mkdtemp(join(tmpdir(), 'modpkg-'));

describe('gitIgnoreMatcher (go-git semantics, as Timoni uses them)', () => {
  it.each([
    // rules, path, isDir, excluded
    [['cue.mod/'], 'cue.mod', true, true],
    [['cue.mod/'], 'cue.mod/gen/x.cue', false, true],
    [['cue.mod/'], 'cue.mod', false, false],
    [['*_tool.cue'], 'debug_tool.cue', false, true],
    [['*_tool.cue'], 'templates/a_tool.cue', false, true],
    [['/*', '!/cue.mod'], 'values.cue', false, true],
    [['/*', '!/cue.mod'], 'templates/config.cue', false, true],
    [['/*', '!/cue.mod'], 'cue.mod/pkg/a.cue', false, false],
    [['templates/a.cue'], 'templates/a.cue', false, true],
    [['templates/a.cue'], 'x/templates/a.cue', false, false],
    [['**/a.cue'], 'x/y/a.cue', false, true],
    [['templates/', '!templates/keep.cue'], 'templates/keep.cue', false, false],
    [['templates/', '!templates/keep.cue'], 'templates/drop.cue', false, true],
    [['debug_[tv]*.cue'], 'debug_values.cue', false, true],
    [['debug_[^tv]*.cue'], 'debug_values.cue', false, false],
    [['[unclosed'], 'x', false, false],
  ])('%j on %s (dir %s) -> excluded %s', (rules, path, isDir, want) => {
    expect(gitIgnoreMatcher(rules)(path.split('/'), isDir)).toBe(want);
  });

  it('never excludes the root', () => {
    expect(gitIgnoreMatcher(['*'])([], true)).toBe(false);
  });
});

describe('collectLayerEntries', () => {
  it('splits the minimal module into the vendor layer and the module layer', async () => {
    const root = timoniCorpus('modules', 'minimal');
    const vendor = await collectLayerEntries(root, ['/*', '!/cue.mod']);
    const mod = await collectLayerEntries(root, ['cue.mod/']);
    expect(vendor[0]).toMatchObject({ name: '.', type: 'dir' });
    expect(vendor.slice(1).every(e => e.name.startsWith('cue.mod'))).toBe(true);
    const vendored = (
      await fs.readdir(join(root, 'cue.mod'), {
        recursive: true,
        withFileTypes: true,
      })
    )
      .filter(e => e.isFile())
      .map(e => join(e.parentPath, e.name).slice(root.length + 1))
      .sort();
    expect(
      vendor
        .filter(e => e.type === 'file')
        .map(e => e.name)
        .sort(),
    ).toEqual(vendored);
    expect(mod.map(e => e.name)).toEqual([
      '.',
      'README.md',
      'debug_tool.cue',
      'debug_values.cue',
      'images.cue',
      'templates',
      'templates/config.cue',
      'templates/configmap.cue',
      'templates/deployment.cue',
      'templates/index.html',
      'templates/job.cue',
      'templates/nginx.default.conf',
      'templates/service.cue',
      'templates/serviceaccount.cue',
      'timoni.cue',
      'values.cue',
    ]);
  });

  it("honours the module's timoni.ignore and skips symlinks", async () => {
    const dir = await tmp();
    const src = timoniCorpus('modules', 'engine-testdata', 'module');
    await fs.cp(src, join(dir, 'm'), { recursive: true });
    await fs.symlink('/etc/passwd', join(dir, 'm', 'link.cue'));
    const art = await buildModuleArtifact(join(dir, 'm'), { version: '1.0.0' });
    expect(art.layers[1].files.sort()).toEqual([
      'templates/config.cue',
      'templates/kube.cue',
      'timoni.cue',
      'values.cue',
    ]);
    expect(art.layers[0].files).toEqual(['cue.mod/module.cue']);
  });

  it('leaves out *_test.cue files, even when timoni.ignore re-includes them', async () => {
    const dir = await tmp();
    const m = join(dir, 'm');
    const src = timoniCorpus('modules', 'engine-testdata', 'module');
    await fs.cp(src, m, { recursive: true });
    const cases = 'package templates\n\ncases: "x": {}\n';
    await fs.writeFile(join(m, 'templates', 'config_test.cue'), cases);
    await fs.writeFile(join(m, 'root_test.cue'), cases);
    await fs.writeFile(join(m, 'templates', 'test.cue'), 'package templates\n');
    await fs.appendFile(
      join(m, 'timoni.ignore'),
      '\n!templates/config_test.cue\n!*_test.cue\n',
    );
    const art = await buildModuleArtifact(m, { version: '1.0.0' });
    expect(art.layers[1].files.sort()).toEqual([
      'templates/config.cue',
      'templates/kube.cue',
      'templates/test.cue',
      'timoni.cue',
      'values.cue',
    ]);
    const unpacked = await mkdtemp(join(dir, 'out-'));
    await unpackTarGz(art.layers[1].data, unpacked);
    await expect(
      fs.stat(join(unpacked, 'templates', 'config_test.cue')),
    ).rejects.toThrow(/ENOENT/);
  });
});

describe('buildModuleArtifact', () => {
  const saved = process.env.SOURCE_DATE_EPOCH;
  afterEach(() => {
    if (saved === undefined) delete process.env.SOURCE_DATE_EPOCH;
    else process.env.SOURCE_DATE_EPOCH = saved;
  });

  it('produces the Timoni manifest, reproducibly', async () => {
    process.env.SOURCE_DATE_EPOCH = '1700000000';
    const root = timoniCorpus('modules', 'minimal');
    const a = await buildModuleArtifact(root, {
      version: '0.5.0',
      annotations: { 'org.opencontainers.image.licenses': 'Apache-2.0' },
    });
    const b = await buildModuleArtifact(root, {
      version: '0.5.0',
      annotations: { 'org.opencontainers.image.licenses': 'Apache-2.0' },
    });
    expect(a.digest).toBe(b.digest);
    const m = JSON.parse(a.manifest.toString());
    expect(m).toMatchObject({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: TIMONI_CONFIG_MEDIA_TYPE, size: a.config.size },
      layers: [
        {
          mediaType: TIMONI_CONTENT_MEDIA_TYPE,
          annotations: { 'sh.timoni.content.type': 'cue.mod' },
        },
        {
          mediaType: TIMONI_CONTENT_MEDIA_TYPE,
          annotations: { 'sh.timoni.content.type': 'module' },
        },
      ],
    });
    expect(m.annotations['org.opencontainers.image.version']).toBe('0.5.0');
    expect(m.annotations['org.opencontainers.image.created']).toBe(
      '2023-11-14T22:13:20Z',
    );
    expect(m.annotations['org.opencontainers.image.licenses']).toBe(
      'Apache-2.0',
    );
    const config = JSON.parse(a.config.data.toString());
    expect(config.rootfs.diff_ids).toHaveLength(2);
    expect(config.history).toHaveLength(2);
  });

  it.each([
    ['v1.0.0', /not valid: use strict semver/],
    ['1.0', /not valid/],
    ['1.0.0+build.1', /not valid/],
    ['01.0.0', /not valid/],
  ])('refuses version %s', async (v, re) => {
    expect(() => validateModuleVersion(v)).toThrow(re);
    await expect(
      buildModuleArtifact(timoniCorpus('modules', 'minimal'), { version: v }),
    ).rejects.toThrow(re);
  });

  it('accepts pre-releases', () => {
    expect(() => validateModuleVersion('2.0.0-rc.1')).not.toThrow();
  });

  it('refuses a missing directory and a directory that is not a module', async () => {
    const dir = await tmp();
    await expect(
      buildModuleArtifact(join(dir, 'nope'), { version: '1.0.0' }),
    ).rejects.toThrow(/module not found at path .*nope/);
    await expect(
      buildModuleArtifact(dir, { version: '1.0.0' }),
    ).rejects.toThrow(
      /is not a Timoni module: .*cue.mod\/module.cue is missing/,
    );
  });
});

describe('gitAnnotations', () => {
  it('takes source, revision and commit time from git', async () => {
    const dir = await tmp();
    const { execFileSync } = require('node:child_process');
    const g = (...a: string[]) =>
      execFileSync('git', a, {
        cwd: dir,
        env: {
          ...process.env,
          GIT_AUTHOR_DATE: '@1600000000 +0000',
          GIT_COMMITTER_DATE: '@1600000000 +0000',
          GIT_AUTHOR_NAME: 't',
          GIT_AUTHOR_EMAIL: 't@t',
          GIT_COMMITTER_NAME: 't',
          GIT_COMMITTER_EMAIL: 't@t',
        },
      });
    g('init', '-q');
    g('remote', 'add', 'origin', 'https://git.example.test/org/mod.git');
    await fs.writeFile(join(dir, 'a'), 'a');
    g('add', 'a');
    g('commit', '-qm', 'c');
    const sha = String(g('rev-parse', 'HEAD')).trim();
    const saved = process.env.SOURCE_DATE_EPOCH;
    delete process.env.SOURCE_DATE_EPOCH;
    try {
      expect(await gitAnnotations(dir, {})).toEqual({
        'org.opencontainers.image.created': '2020-09-13T12:26:40Z',
        'org.opencontainers.image.source':
          'https://git.example.test/org/mod.git',
        'org.opencontainers.image.revision': sha,
      });
      expect(
        (await gitAnnotations(dir, { 'org.opencontainers.image.source': 'x' }))[
          'org.opencontainers.image.source'
        ],
      ).toBe('x');
    } finally {
      if (saved !== undefined) process.env.SOURCE_DATE_EPOCH = saved;
    }
  });

  it('leaves them out outside a git checkout', async () => {
    const saved = process.env.SOURCE_DATE_EPOCH;
    delete process.env.SOURCE_DATE_EPOCH;
    try {
      expect(await gitAnnotations(await tmp(), {})).toEqual({});
    } finally {
      if (saved !== undefined) process.env.SOURCE_DATE_EPOCH = saved;
    }
  });
});

describe('packTar', () => {
  it('round-trips long paths (ustar prefix and PAX) through the safe unpacker', async () => {
    const deep = `${'d'.repeat(60)}/${'e'.repeat(60)}/${'f'.repeat(90)}.cue`;
    const huge = `${'g'.repeat(120)}/${'h'.repeat(120)}.cue`;
    const entries = [
      { name: '.', type: 'dir' as const, mode: 0o755 },
      {
        name: deep,
        type: 'file' as const,
        mode: 0o644,
        body: Buffer.from('1'),
      },
      {
        name: huge,
        type: 'file' as const,
        mode: 0o444,
        body: Buffer.from('2'),
      },
    ];
    const dest = join(await tmp(), 'out');
    const res = await unpackTarGz(packTarGz(entries), dest);
    expect(res.files).toBe(2);
    expect(await fs.readFile(join(dest, deep), 'utf8')).toBe('1');
    expect(await fs.readFile(join(dest, huge), 'utf8')).toBe('2');
    const raw = packTar(entries);
    expect(raw.length % 512).toBe(0);
    expect(gunzipSync(packTarGz(entries)).equals(raw)).toBe(true);
  });

  it('refuses to write an unsafe entry name', () => {
    expect(() =>
      packTar([{ name: '../x', type: 'file', mode: 0o644 }]),
    ).toThrow(/escapes the target directory/);
  });
});
