import { parseEventLine } from '../events/parser';
import type { RuntimeEvent } from '../events/types';
import { corpusLine } from '../__testUtils__/corpus';
import {
  compileCustomRules,
  CustomRuleError,
  validateCustomRules,
} from './custom';
import { createDetectionEngine } from './engine';

function parse(line: string): RuntimeEvent {
  const r = parseEventLine(line);
  if (!r.ok) throw new Error(r.detail);
  return r.event;
}

const good = {
  rules: [
    {
      id: 'curl-in-default',
      title: 'curl in the default namespace',
      severity: 'high',
      mitre: { id: 'T1105', name: 'Ingress Tool Transfer' },
      match: {
        eventType: 'process_exec',
        binary: ['*/curl', '/usr/bin/wget'],
        namespace: 'default',
        labels: { org: 'alli*' },
        arguments: { contains: 'ebpf.io', regex: '^https://' },
      },
    },
    {
      id: 'file-monitoring-policy',
      title: 'Any event of the file-monitoring policy',
      severity: 'low',
      match: { policy: 'file-monitoring', function: 'security_file_*' },
    },
  ],
};

describe('validateCustomRules', () => {
  it('returns typed rules that the engine runs', () => {
    const specs = validateCustomRules(good);
    expect(specs.map(s => s.id)).toEqual([
      'curl-in-default',
      'file-monitoring-policy',
    ]);
    expect(specs[0].match.binary).toEqual(['*/curl', '/usr/bin/wget']);
    expect(specs[0].match.eventType).toEqual(['process_exec']);
    const engine = createDetectionEngine({
      rules: [],
      extraRules: compileCustomRules(specs),
    });
    expect(
      engine
        .classify(parse(corpusLine('process_exec.jsonl', 1)))
        .map(d => [d.rule.id, d.severity]),
    ).toEqual([['curl-in-default', 'high']]);
    // curl in tenant-jobs: namespace does not match
    expect(engine.classify(parse(corpusLine('process_exec.jsonl', 4)))).toEqual(
      [],
    );
    expect(
      engine
        .classify(parse(corpusLine('process_kprobe.jsonl', 1)))
        .map(d => d.rule.id),
    ).toEqual(['file-monitoring-policy']);
    expect(
      engine.classify(parse(corpusLine('process_kprobe.jsonl', 17))),
    ).toEqual([]);
  });

  it('accepts a bare list and an empty document', () => {
    expect(validateCustomRules(good.rules)).toHaveLength(2);
    expect(validateCustomRules(undefined)).toEqual([]);
    expect(validateCustomRules({ rules: [] })).toEqual([]);
  });

  it.each([
    ['a non-list', { rules: 'x' }, /field "rules": must be a list of rules/],
    [
      'an unknown top-level key',
      { rulez: [] },
      /field "rulez": unknown top-level field/,
    ],
    ['a rule that is not an object', ['x'], /custom rule #1, field "\(rule\)"/],
    [
      'a missing id',
      [{ title: 't', severity: 'low', match: { binary: 'x' } }],
      /custom rule #1, field "id": is required/,
    ],
    [
      'a bad id',
      [{ id: 'Bad Id', title: 't', severity: 'low', match: { binary: 'x' } }],
      /field "id": "Bad Id" must be lowercase/,
    ],
    [
      'a built-in id',
      [
        {
          id: 'shell-in-container',
          title: 't',
          severity: 'low',
          match: { binary: 'x' },
        },
      ],
      /"shell-in-container" is already used/,
    ],
    [
      'a duplicate id',
      [good.rules[1], good.rules[1]],
      /custom rule #2 \("file-monitoring-policy"\), field "id": .* already used/,
    ],
    [
      'a bad severity',
      [{ id: 'r', title: 't', severity: 'urgent', match: { binary: 'x' } }],
      /custom rule #1 \("r"\), field "severity": "urgent" is not a severity; use one of critical, high, medium, low, info/,
    ],
    [
      'a missing title',
      [{ id: 'r', severity: 'low', match: { binary: 'x' } }],
      /field "title": is required/,
    ],
    [
      'no match',
      [{ id: 'r', title: 't', severity: 'low' }],
      /field "match": is required/,
    ],
    [
      'an empty match',
      [{ id: 'r', title: 't', severity: 'low', match: {} }],
      /field "match": is empty/,
    ],
    [
      'a typo in match',
      [{ id: 'r', title: 't', severity: 'low', match: { binaries: 'x' } }],
      /field "match.binaries": unknown field; allowed fields are eventType, binary/,
    ],
    [
      'a typo in the rule',
      [
        {
          id: 'r',
          title: 't',
          severity: 'low',
          match: { binary: 'x' },
          sevrity: 'x',
        },
      ],
      /field "sevrity": unknown field/,
    ],
    [
      'a bad event type',
      [
        {
          id: 'r',
          title: 't',
          severity: 'low',
          match: { eventType: 'process_connect' },
        },
      ],
      /field "match.eventType": "process_connect" is not a Tetragon event type/,
    ],
    [
      'a bad regex',
      [
        {
          id: 'r',
          title: 't',
          severity: 'low',
          match: { arguments: { regex: '(' } },
        },
      ],
      /field "match.arguments.regex": is not a valid regular expression .*; fix it or use "contains"/,
    ],
    [
      'empty arguments',
      [{ id: 'r', title: 't', severity: 'low', match: { arguments: {} } }],
      /field "match.arguments": needs "contains" or "regex"/,
    ],
    [
      'a number as binary',
      [{ id: 'r', title: 't', severity: 'low', match: { binary: 5 } }],
      /field "match.binary": must be a non-empty string or a non-empty list/,
    ],
    [
      'labels as a list',
      [{ id: 'r', title: 't', severity: 'low', match: { labels: ['a=b'] } }],
      /field "match.labels": must be a non-empty map/,
    ],
    [
      'a bad ATT&CK id',
      [
        {
          id: 'r',
          title: 't',
          severity: 'low',
          mitre: { id: '1611', name: 'x' },
          match: { binary: 'x' },
        },
      ],
      /field "mitre.id": "1611" is not an ATT&CK id; write it like T1611/,
    ],
  ])('rejects %s, naming the rule and field', (_what, raw, message) => {
    let err: unknown;
    try {
      validateCustomRules(raw);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CustomRuleError);
    expect((err as Error).message).toMatch(message);
  });

  it('exposes index, id and field on the error', () => {
    let err: unknown;
    try {
      validateCustomRules([
        good.rules[0],
        { id: 'x-y', title: 't', severity: 'low', match: { policy: '' } },
      ]);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({
      index: 1,
      ruleId: 'x-y',
      field: 'match.policy',
    });
  });
});
