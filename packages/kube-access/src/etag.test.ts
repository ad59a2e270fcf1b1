import { sendJsonWithEtag } from './routing';

function fakeRes() {
  const out: {
    status: number;
    headers: Record<string, string>;
    body?: string;
    type?: string;
  } = { status: 200, headers: {} };
  const res = {
    setHeader: (name: string, value: string) => {
      out.headers[name] = value;
    },
    status: (code: number) => {
      out.status = code;
      return { end: () => undefined };
    },
    type: (type: string) => {
      out.type = type;
      return {
        send: (body: string) => {
          out.body = body;
        },
      };
    },
  };
  return { res, out };
}

describe('sendJsonWithEtag', () => {
  it('sends JSON with a strong ETag of the body and Cache-Control private, no-cache', () => {
    const { res, out } = fakeRes();
    sendJsonWithEtag({ headers: {} }, res, { a: 1 });
    expect(out).toMatchObject({
      status: 200,
      type: 'application/json',
      body: '{"a":1}',
    });
    expect(out.headers.ETag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(out.headers['Cache-Control']).toBe('private, no-cache');
  });

  it('answers 304 without a body to If-None-Match naming the ETag (in a list, weak, or *), 200 otherwise', () => {
    const first = fakeRes();
    sendJsonWithEtag({ headers: {} }, first.res, { a: 1 });
    const etag = first.out.headers.ETag;
    for (const match of [etag, `"x", ${etag}`, `W/${etag}`, '*']) {
      const { res, out } = fakeRes();
      sendJsonWithEtag({ headers: { 'if-none-match': match } }, res, { a: 1 });
      expect(out.status).toBe(304);
      expect(out.body).toBeUndefined();
      expect(out.headers.ETag).toBe(etag);
    }
    const changed = fakeRes();
    sendJsonWithEtag({ headers: { 'if-none-match': etag } }, changed.res, {
      a: 2,
    });
    expect(changed.out.status).toBe(200);
    expect(changed.out.headers.ETag).not.toBe(etag);
  });
});
