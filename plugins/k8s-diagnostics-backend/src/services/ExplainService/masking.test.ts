import { createPlaceholderMasker, createStreamingUnmasker } from './masking';

describe('createPlaceholderMasker', () => {
  const input = { names: ['payments', 'payments-7d9f8c-x2x9z', 'prod-eu'], namespaces: ['shop'], labels: ['team', 'team-core', 'app'] };

  it('replaces names, namespaces and labels by stable placeholders, longest first, whole words only', () => {
    const m = createPlaceholderMasker(input);
    const out = m.mask('pod payments-7d9f8c-x2x9z of payments in shop (team=team-core); shopping is fine; image periscope/payments:1');
    expect(out).toBe('pod NAME_1 of NAME_2 in NAMESPACE_1 (LABEL_1=LABEL_2); shopping is fine; image periscope/NAME_2:1');
    expect(m.mask('payments again')).toBe('NAME_2 again');
    expect(m.unmask('Restart NAME_1 in NAMESPACE_1 (NAME_9 unknown)')).toBe('Restart payments-7d9f8c-x2x9z in shop (NAME_9 unknown)');
  });

  it('gives the same placeholders for the same input (cacheable prompts)', () => {
    const text = 'payments in shop at 10.0.0.1';
    expect(createPlaceholderMasker(input).mask(text)).toBe(createPlaceholderMasker(input).mask(text));
  });

  it('masks case-insensitively and keeps generic label keys', () => {
    const m = createPlaceholderMasker(input);
    expect(m.mask('Payments app down')).toBe('NAME_1 app down');
  });

  it.each([
    ['dial tcp 10.42.7.19:5432: refused', 'dial tcp IP_1:5432: refused'],
    ['cidr 192.168.0.0/16 blocked', 'cidr IP_1 blocked'],
    ['peer fd00:10:244::1f failed', 'peer IP_1 failed'],
    ['at 2001:db8:0:0:1:0:0:1 now', 'at IP_1 now'],
    ['version 1.2.3 is not an IP; 12:30:45 is a time', 'version 1.2.3 is not an IP; 12:30:45 is a time'],
  ])('masks IP addresses: %s', (text, expected) => {
    expect(createPlaceholderMasker({ names: [], namespaces: [], labels: [] }).mask(text)).toBe(expected);
  });

  it.each([
    ['password=hunter2x now', 'password=SECRET_1 now'],
    ['DB_PASSWORD: "hunter2x"', 'DB_PASSWORD: "SECRET_1"'],
    ['Authorization: Bearer abcdefghijkl.mnop', 'Authorization: Bearer SECRET_1'],
    ['api_key=AKIA1234567890', 'api_key=SECRET_1'],
    ['postgres://app:pa55word@db:5432/x', 'postgres://app:SECRET_1@db:5432/x'],
    ['jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl done', 'jwt SECRET_1 done'],
  ])('masks secret values: %s', (text, expected) => {
    expect(createPlaceholderMasker({ names: [], namespaces: [], labels: [] }).mask(text)).toBe(expected);
  });

  it('masks literal secret values anywhere and never unmasks them', () => {
    const m = createPlaceholderMasker({ names: [], namespaces: [], labels: [], secrets: ['s3cr3tvalue'] });
    const masked = m.mask('x-s3cr3tvalue-y');
    expect(masked).toBe('x-SECRET_1-y');
    expect(m.unmask(masked)).toBe('x-[redacted]-y');
  });

  it('masks a known name with generated suffixes as one name', () => {
    const m = createPlaceholderMasker({ names: ['cart'], namespaces: [], labels: [] });
    expect(m.mask('Scaled up replica set cart-76678bbb87 of cart; pod cart-76678bbb87-2lh6b')).toBe('Scaled up replica set NAME_1 of NAME_2; pod NAME_3');
    expect(m.unmask('NAME_3')).toBe('cart-76678bbb87-2lh6b');
  });

  it('does not mask strings shorter than 3 characters', () => {
    expect(createPlaceholderMasker({ names: ['db'], namespaces: [], labels: ['v1'] }).mask('db v1')).toBe('db v1');
  });
});

describe('createStreamingUnmasker', () => {
  it('holds back a placeholder split across chunks', () => {
    const m = createPlaceholderMasker({ names: ['payments'], namespaces: ['shop'], labels: [] });
    m.mask('payments shop');
    const u = createStreamingUnmasker(m.unmask);
    const out = ['Pod NA', 'ME_', '1 in NAMESP', 'ACE_1', ' crashed'].map(c => u.push(c)).join('') + u.flush();
    expect(out).toBe('Pod payments in shop crashed');
  });
});
