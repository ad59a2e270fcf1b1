import net from 'node:net';
import { CoreV1Api } from '@kubernetes/client-node';
import { classifyClusterError, fanOutClusters } from './errors';
import { kubeConfigFor } from './clusters';

describe('fanOutClusters', () => {
  it('keeps good clusters and types the failing ones (real sockets on loopback)', async () => {
    // a port with nothing listening: connection refused
    const closed = await new Promise<number>(resolve => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    // a server that accepts and never answers: timeout
    const silent = net.createServer(() => {}).listen(0, '127.0.0.1');
    await new Promise(r => silent.once('listening', r));
    const silentPort = (silent.address() as net.AddressInfo).port;
    const clusters = [
      {
        name: 'refused',
        url: `https://127.0.0.1:${closed}`,
        authProvider: 'serviceAccount',
        skipTLSVerify: true,
      },
      {
        name: 'silent',
        url: `https://127.0.0.1:${silentPort}`,
        authProvider: 'serviceAccount',
        skipTLSVerify: true,
      },
      {
        name: 'fine',
        url: 'http://unused',
        authProvider: 'serviceAccount',
        skipTLSVerify: false,
      },
    ];
    const { results, errors } = await fanOutClusters(
      clusters,
      async c => {
        if (c.name === 'fine') return 42;
        await kubeConfigFor(c).makeApiClient(CoreV1Api).listNamespace();
        return 0;
      },
      { timeoutMs: 1500 },
    );
    silent.close();
    expect(results).toEqual([{ cluster: 'fine', value: 42 }]);
    expect(errors.map(e => [e.cluster, e.errorType])).toEqual([
      ['refused', 'UNREACHABLE'],
      ['silent', 'TIMEOUT'],
    ]);
    expect(errors[0].message).toMatch(/check its url/);
  });

  it('types API statuses', () => {
    expect(classifyClusterError('a', { code: 401 }).errorType).toBe(
      'UNAUTHORIZED',
    );
    expect(
      classifyClusterError('a', {
        code: 403,
        body: '{"message":"pods is forbidden"}',
      }),
    ).toMatchObject({
      errorType: 'FORBIDDEN',
      message: expect.stringContaining('pods is forbidden'),
    });
    expect(classifyClusterError('a', new Error('boom'))).toMatchObject({
      errorType: 'SYSTEM_ERROR',
      message: "cluster 'a' failed: boom",
    });
  });
});
