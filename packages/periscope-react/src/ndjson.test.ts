import { readNdjsonLines } from './ndjson';

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let i = 0;
  return {
    getReader: () => ({
      read: async () =>
        i < chunks.length
          ? { done: false, value: encoder.encode(chunks[i++]) }
          : { done: true, value: undefined },
    }),
  } as unknown as ReadableStream<Uint8Array>;
}

async function collect(chunks: string[]) {
  const out: unknown[] = [];
  for await (const v of readNdjsonLines(streamOf(chunks))) out.push(v);
  return out;
}

describe('readNdjsonLines', () => {
  it('reads values split across chunks, skips blank lines, reads a last line without newline', async () => {
    expect(await collect(['{"a":1}\n{"b"', ':2}\n\n', '  \n{"c":3}'])).toEqual([
      { a: 1 },
      { b: 2 },
      { c: 3 },
    ]);
  });

  it('decodes multi-byte characters split across chunks', async () => {
    const bytes = new TextEncoder().encode('{"s":"é"}\n');
    let i = 0;
    const parts = [bytes.slice(0, 7), bytes.slice(7)];
    const body = {
      getReader: () => ({
        read: async () =>
          i < parts.length
            ? { done: false, value: parts[i++] }
            : { done: true, value: undefined },
      }),
    } as unknown as ReadableStream<Uint8Array>;
    const out: unknown[] = [];
    for await (const v of readNdjsonLines(body)) out.push(v);
    expect(out).toEqual([{ s: 'é' }]);
  });

  it('yields nothing for an empty body', async () => {
    expect(await collect([])).toEqual([]);
  });
});
