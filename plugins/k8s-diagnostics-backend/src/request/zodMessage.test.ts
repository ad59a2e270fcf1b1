import { z } from 'zod';
import { zodMessage } from './zodMessage';

describe('zodMessage', () => {
  it('names each field with what is wrong with it', () => {
    const parsed = z
      .object({ a: z.string(), b: z.object({ c: z.number() }) })
      .safeParse({ a: 1, b: { c: 'x' } });
    expect(parsed.success).toBe(false);
    expect(zodMessage(parsed.error!)).toMatch(/^'a' .+; 'b\.c' .+$/);
  });

  it("calls an input that is not an object 'body'", () => {
    const parsed = z.object({ a: z.string() }).safeParse('text');
    expect(zodMessage(parsed.error!)).toMatch(/^'body' /);
  });
});
