import { Readable } from 'node:stream';
import { readBody } from './readBody';

const TOO_LARGE =
  'the batch is larger than 10 bytes (runtimeSecurity.ingest.maxBodyBytes): send smaller batches (Fluent Bit: lower Buffer_Size / flush more often; Vector: batch.max_bytes)';

describe('readBody', () => {
  it('reads the body as UTF-8 up to the limit', async () => {
    const body = Readable.from([Buffer.from('{"a":'), Buffer.from('"é"}')]);
    await expect(readBody(body, undefined, 10)).resolves.toBe('{"a":"é"}');
  });

  it('refuses a declared length over the limit before reading', async () => {
    const body = Readable.from([Buffer.from('x')]);
    await expect(readBody(body, '11', 10)).rejects.toMatchObject({
      name: 'PayloadTooLargeError',
      statusCode: 413,
      message: TOO_LARGE,
    });
  });

  it('refuses a body that grows past the limit without a declared length', async () => {
    const body = Readable.from([Buffer.from('123456'), Buffer.from('78901')]);
    await expect(readBody(body, undefined, 10)).rejects.toMatchObject({
      statusCode: 413,
      message: TOO_LARGE,
    });
  });
});
