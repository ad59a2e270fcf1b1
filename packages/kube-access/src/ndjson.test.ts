import { createNdjsonWriter } from './ndjson';

function fakeResponse() {
  const calls: string[] = [];
  return {
    calls,
    res: {
      status: (code: number) => calls.push(`status ${code}`),
      setHeader: (name: string, value: string) =>
        calls.push(`header ${name}: ${value}`),
      write: (chunk: string) => calls.push(`write ${chunk}`),
      flushHeaders: () => calls.push('flushHeaders'),
      flush: () => calls.push('flush'),
    },
  };
}

describe('createNdjsonWriter', () => {
  it('sends nothing before the first value', () => {
    const { calls, res } = fakeResponse();
    const out = createNdjsonWriter(res);
    expect(out.started).toBe(false);
    expect(calls).toEqual([]);
  });

  it('sends the headers once, then one JSON line per value', () => {
    const { calls, res } = fakeResponse();
    const out = createNdjsonWriter<{ n: number }>(res);
    out.write({ n: 1 });
    out.write({ n: 2 });
    expect(out.started).toBe(true);
    expect(calls).toEqual([
      'status 200',
      'header Content-Type: application/x-ndjson; charset=utf-8',
      'header Cache-Control: no-cache',
      'header X-Accel-Buffering: no',
      'flushHeaders',
      'write {"n":1}\n',
      'flush',
      'write {"n":2}\n',
      'flush',
    ]);
  });

  it('works without flushHeaders and flush', () => {
    const writes: string[] = [];
    const out = createNdjsonWriter({
      status: () => undefined,
      setHeader: () => undefined,
      write: (c: string) => writes.push(c),
    });
    out.write('x');
    expect(writes).toEqual(['"x"\n']);
  });
});
