import { streamOperation } from './streamOperation';

/** A response that records what is written to it. */
function fakeResponse() {
  const res = {
    statusCode: undefined as number | undefined,
    headers: {} as Record<string, string>,
    body: '',
    ended: false,
    status(code: number) {
      res.statusCode = code;
    },
    setHeader(name: string, value: string) {
      res.headers[name] = value;
    },
    write(chunk: string) {
      res.body += chunk;
    },
    end() {
      res.ended = true;
    },
  };
  return res;
}

const lines = (body: string) =>
  body
    .trim()
    .split('\n')
    .map(l => JSON.parse(l));

describe('streamOperation', () => {
  it('streams each event as one NDJSON line and ends the response', async () => {
    const res = fakeResponse();
    await streamOperation(res, async sink => {
      sink({ type: 'cluster', cluster: 'c1', status: 'started' });
      sink({ type: 'done', ok: true, results: [] });
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['Content-Type']).toBe(
      'application/x-ndjson; charset=utf-8',
    );
    expect(lines(res.body)).toEqual([
      { type: 'cluster', cluster: 'c1', status: 'started' },
      { type: 'done', ok: true, results: [] },
    ]);
    expect(res.ended).toBe(true);
  });

  it('an error before the first event is the answer itself: nothing written', async () => {
    const res = fakeResponse();
    await expect(
      streamOperation(res, async () => {
        throw new Error('denied');
      }),
    ).rejects.toThrow('denied');
    expect(res.statusCode).toBeUndefined();
    expect(res.body).toBe('');
    expect(res.ended).toBe(false);
  });

  it('an error after the first event ends the stream with a failed done line', async () => {
    const res = fakeResponse();
    await streamOperation(res, async sink => {
      sink({ type: 'cluster', cluster: 'c1', status: 'started' });
      throw new Error('connection lost');
    });
    expect(lines(res.body)).toEqual([
      { type: 'cluster', cluster: 'c1', status: 'started' },
      { type: 'done', ok: false, results: [], error: 'connection lost' },
    ]);
    expect(res.ended).toBe(true);
  });
});
