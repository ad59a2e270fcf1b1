import { parseTriageBody } from './triageBody';

describe('parseTriageBody', () => {
  it('reads the state and the trimmed reason', () => {
    expect(
      parseTriageBody({ state: 'acknowledged', reason: ' backup job ' }),
    ).toEqual({ state: 'acknowledged', reason: 'backup job' });
    expect(parseTriageBody({ state: 'open' })).toEqual({
      state: 'open',
      reason: undefined,
    });
  });

  it.each([
    ['no body', undefined, /^the triage body is invalid \(state: /],
    ['an unknown state', { state: 'closed' }, /^the triage body is invalid/],
    [
      'an unknown field',
      { state: 'open', by: 'me' },
      /^the triage body is invalid \(body: .*\): send \{"state": "acknowledged" \| "false-positive" \| "open", "reason": "why"\}$/,
    ],
    [
      'a reason too long',
      { state: 'open', reason: 'x'.repeat(2001) },
      /^the triage body is invalid \(reason: /,
    ],
    [
      'no reason for acknowledged',
      { state: 'acknowledged', reason: '  ' },
      /^'reason' is required to mark a finding acknowledged: say why/,
    ],
    [
      'no reason for false-positive',
      { state: 'false-positive' },
      /^'reason' is required to mark a finding false-positive/,
    ],
  ])('rejects %s with a 400', (_what, body, message) => {
    expect(() => parseTriageBody(body)).toThrow(
      expect.objectContaining({
        name: 'InputError',
        message: expect.stringMatching(message),
      }),
    );
  });
});
