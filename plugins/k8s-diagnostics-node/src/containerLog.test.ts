/**
 * readContainerLog's own logic: the query it sends (caps clamped) and how it cuts what the API
 * server returns (whole lines only after a byte cap). What the API server does with the query is
 * checked on the real node (evidence.integration.test.ts).
 */
import { KubeHttp } from './clientTypes';
import { LOG_LIMITS, readContainerLog } from './containerLog';

function fakeHttp(answer: string | Error) {
  const paths: string[] = [];
  const http = {
    server: 'https://x',
    context: 'x',
    getJson: async () => ({}),
    getText: async (p: string) => {
      paths.push(p);
      if (answer instanceof Error) throw answer;
      return answer;
    },
    getStreamed: async () => undefined as never,
  } as KubeHttp;
  return { http, paths };
}

describe('readContainerLog', () => {
  it.each([
    [{ tailLines: 5 }, 'tailLines=5&limitBytes=65536'],
    [{ tailLines: 0, limitBytes: 10 }, 'tailLines=1&limitBytes=1024'],
    [
      { tailLines: 99_999, limitBytes: 10_000_000 },
      `tailLines=${LOG_LIMITS.maxTailLines}&limitBytes=${LOG_LIMITS.maxBytes}`,
    ],
  ])('clamps %j to %s', async (caps, query) => {
    const { http, paths } = fakeHttp('a\n');
    await readContainerLog(http, {
      namespace: 'n s',
      pod: 'p',
      container: 'c',
      ...caps,
    });
    expect(paths).toEqual([
      `/api/v1/namespaces/n%20s/pods/p/log?container=c&${query}`,
    ]);
  });

  it('asks for the previous instance, and keeps whole lines of a log cut at the byte cap', async () => {
    const text = `${'x'.repeat(600)}\n${'y'.repeat(423)}\nzz`; // 1024+ bytes: the last line is cut
    const { http, paths } = fakeHttp(text);
    const log = await readContainerLog(http, {
      namespace: 'ns',
      pod: 'p',
      container: 'c',
      previous: true,
      limitBytes: 1024,
    });
    expect(paths[0]).toMatch(/&previous=true$/);
    expect(log).toMatchObject({ previous: true, truncated: true });
    expect(log.lines).toEqual(['x'.repeat(600), 'y'.repeat(423)]);
  });

  it('answers an empty log as no lines, and a refused read as an error in the answer', async () => {
    expect(
      (
        await readContainerLog(fakeHttp('').http, {
          namespace: 'ns',
          pod: 'p',
          container: 'c',
        })
      ).lines,
    ).toEqual([]);
    const refused = await readContainerLog(
      fakeHttp(Object.assign(new Error('denied'), { status: 403 })).http,
      { namespace: 'ns', pod: 'p', container: 'c' },
    );
    expect(refused).toMatchObject({
      lines: [],
      error: 'the cluster identity may not read it',
    });
  });

  it("answers the kubelet's line for a removed container as an error, not as the log", async () => {
    const gone = await readContainerLog(
      fakeHttp('unable to retrieve container logs for containerd://1c2e\n')
        .http,
      { namespace: 'ns', pod: 'p', container: 'c', previous: true },
    );
    expect(gone.lines).toEqual([]);
    expect(gone.error).toMatch(
      /no longer has this container's log .*read it again/,
    );
  });
});
