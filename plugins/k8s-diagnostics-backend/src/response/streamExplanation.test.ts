import { streamExplanation } from './streamExplanation';

function fakeResponse() {
  const res = {
    status: jest.fn(),
    setHeader: jest.fn(),
    written: [] as string[],
    write(chunk: string) {
      res.written.push(chunk);
    },
    ended: false,
    end() {
      res.ended = true;
    },
  };
  return res;
}

describe('streamExplanation', () => {
  it('writes one JSON line per chunk and ends', async () => {
    const res = fakeResponse();
    await streamExplanation(res, async onChunk => {
      onChunk({ type: 'delta', text: 'a' });
      onChunk({ type: 'delta', text: 'b' });
    });
    expect(res.status).toHaveBeenCalledWith(200);
    expect(res.setHeader).toHaveBeenCalledWith(
      'Content-Type',
      'application/x-ndjson; charset=utf-8',
    );
    expect(res.written).toEqual([
      '{"type":"delta","text":"a"}\n',
      '{"type":"delta","text":"b"}\n',
    ]);
    expect(res.ended).toBe(true);
  });

  it('throws an error from before the first chunk, so it is the answer', async () => {
    const res = fakeResponse();
    await expect(
      streamExplanation(res, async () => {
        throw new Error('budget spent');
      }),
    ).rejects.toThrow('budget spent');
    expect(res.status).not.toHaveBeenCalled();
    expect(res.written).toEqual([]);
    expect(res.ended).toBe(false);
  });

  it('ends the stream with an error line after the first chunk', async () => {
    const res = fakeResponse();
    await streamExplanation(res, async onChunk => {
      onChunk({ type: 'delta', text: 'a' });
      throw new Error('provider timed out');
    });
    expect(res.written).toEqual([
      '{"type":"delta","text":"a"}\n',
      '{"type":"error","message":"provider timed out"}\n',
    ]);
    expect(res.ended).toBe(true);
  });
});
