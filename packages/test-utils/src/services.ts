/** Stand-ins for backend tests: a permissions service and a target cluster that records requests. */
import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import http from 'node:http';
import { AddressInfo } from 'node:net';

/** A permissions service that allows everything except the permissions named in `deny`. */
export function permissionsDenying(deny: string[]) {
  const decide = (name: string) =>
    deny.includes(name) ? AuthorizeResult.DENY : AuthorizeResult.ALLOW;
  return createServiceFactory({
    service: coreServices.permissions,
    deps: {},
    factory: () =>
      ({
        authorize: async (reqs: Array<{ permission: { name: string } }>) =>
          reqs.map(r => ({ result: decide(r.permission.name) })),
        authorizeConditional: async (
          reqs: Array<{ permission: { name: string } }>,
        ) => reqs.map(r => ({ result: decide(r.permission.name) })),
      } as any),
  });
}

/** A target cluster's API server stand-in: answers 500 to everything and records each request. */
export async function recordingCluster(): Promise<{
  requests: string[];
  url: string;
  close: () => Promise<unknown>;
}> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    req.resume();
    res.statusCode = 500;
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        message: 'stand-in cluster: refuses everything',
        code: 500,
      }),
    );
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    requests,
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise(r => server.close(r)),
  };
}
