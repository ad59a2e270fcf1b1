import { describeIf } from '@periscope/test-utils';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  enforcementChange,
  moduleValuesOf,
  PolicyFinding,
} from './enforcement';

/*
 * The proposal reads the tracing-policy module's values back from the live object and changes
 * only the probes that matched: checked against the module itself, rendered by the timoni binary
 * (values in, object out, values read back, rendered again: the same object).
 */

// Test-only: the module and the binary sit in the checkout and its cache, found from this file.
// eslint-disable-next-line no-restricted-syntax
const MODULE = path.resolve(
  __dirname,
  '../../../../../examples/modules/tracing-policy',
);

function findTimoni(): string | undefined {
  if (process.env.PERISCOPE_TIMONI_BIN) return process.env.PERISCOPE_TIMONI_BIN;
  const kube = path.join(
    process.env.PERISCOPE_CACHE ?? path.join(os.homedir(), '.cache/periscope'),
    'kube',
  );
  if (!fs.existsSync(kube)) return undefined;
  const found = fs
    .readdirSync(kube)
    .map(d => path.join(kube, d, 'bin', 'timoni'))
    .filter(f => fs.existsSync(f))
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
  return found[0];
}
const timoni = findTimoni();

function render(values: object): {
  kind: string;
  labels: Record<string, string>;
  spec: any;
} {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-values-'));
  try {
    const file = path.join(dir, 'values.cue');
    fs.writeFileSync(file, `values: ${JSON.stringify(values)}\n`);
    const out = execFileSync(
      timoni as string,
      [
        'build',
        'payments-runtime-policy',
        MODULE,
        '-n',
        'shop',
        '-f',
        file,
        '-o',
        'json',
      ],
      { encoding: 'utf8' },
    );
    const [obj] = JSON.parse(out).items;
    return { kind: obj.kind, labels: obj.metadata.labels, spec: obj.spec };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const matched = (call: string): PolicyFinding => ({
  call,
  hits: 1,
  finding: {} as PolicyFinding['finding'],
});

describeIf({ timoni })('the tracing-policy module, read back', () => {
  it.each([
    [{ service: 'payments' }],
    [{ service: 'payments', action: 'Sigkill' }],
    [
      {
        service: 'payments',
        podLabel: 'app',
        sensitivePaths: ['/etc/shadow'],
        allowedCidrs: [],
      },
    ],
    [
      {
        service: 'payments',
        actions: { files: 'Override' },
        overrideError: -13,
      },
    ],
  ])(
    'reads the values of %j back so that they render the same object',
    values => {
      const live = render(values);
      const read = moduleValuesOf(live);
      if (typeof read === 'string') throw new Error(read);
      expect(read).toMatchObject(values);
      expect(render(read)).toEqual(live);
    },
  );

  it('changes only the probe that matched; values without actions render as before', () => {
    const before = render({ service: 'payments' });
    expect(
      before.spec.kprobes.map((k: any) => k.selectors[0].matchActions),
    ).toEqual([[{ action: 'Post' }], [{ action: 'Post' }]]);
    const read = moduleValuesOf(before);
    if (typeof read === 'string') throw new Error(read);
    for (const [action, expected] of [
      ['Sigkill', [{ action: 'Sigkill' }]],
      ['Override', [{ action: 'Override', argError: -1 }]],
    ] as const) {
      const { values, changes } = enforcementChange(
        read,
        [matched('security_file_permission')],
        action,
      );
      expect(changes.map(c => [c.value, c.from, c.to])).toEqual([
        ['actions.files', 'Post', action],
      ]);
      const after = render(values);
      expect(after.spec.kprobes[0].selectors[0].matchActions).toEqual(expected);
      // everything else as it was
      after.spec.kprobes[0].selectors[0].matchActions =
        before.spec.kprobes[0].selectors[0].matchActions;
      expect(after).toEqual(before);
    }
  });
});
