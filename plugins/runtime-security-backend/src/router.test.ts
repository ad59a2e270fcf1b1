import { mockServices } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { PermissionsService } from '@backstage/backend-plugin-api';
import { MiddlewareFactory } from '@backstage/backend-defaults/rootHttpRouter';
import {
  PoliciesResponse,
  TracingPolicySummary,
} from '@periscope/backstage-plugin-runtime-security-common';
import express from 'express';
import request from 'supertest';
import { createRouter } from './router';
import { SecurityService } from './services/SecurityService';
import { IngestService } from './services/IngestService';

const policy = (i: number): TracingPolicySummary => ({
  cluster: i % 2 ? 'c1' : 'c2',
  kind: 'TracingPolicy',
  name: `policy-${String(i).padStart(4, '0')}`,
  mode: 'monitoring',
  hooks: ['kprobes'],
  calls: ['sys_openat'],
  findings: i,
});

/** GET /policies over a fixed listing of `count` policies (the cluster reads are tested in PolicyService). */
async function app(count: number) {
  const listing: PoliciesResponse = {
    policies: Array.from({ length: count }, (_, i) => policy(i)),
    notInstalled: ['c3'],
    unfedRules: [{ rule: 'r', title: 'R', eventTypes: ['process_kprobe'] }],
    errors: [{ cluster: 'c4', errorType: 'UNREACHABLE', message: 'down' }],
  };
  const permissions = {
    authorize: async (requests: unknown[]) =>
      requests.map(() => ({ result: AuthorizeResult.ALLOW })),
    authorizeConditional: async () => [],
  } as unknown as PermissionsService;
  const router = await createRouter({
    httpAuth: mockServices.httpAuth(),
    permissions,
    security: {} as SecurityService,
    policies: {
      list: async () => listing,
      propose: async () => Promise.reject(new Error('not used')),
    },
    ingest: {} as IngestService,
  });
  const middleware = MiddlewareFactory.create({
    config: mockServices.rootConfig(),
    logger: mockServices.logger.mock(),
  });
  return { server: express().use(router).use(middleware.error()), listing };
}

describe('GET /policies paging', () => {
  it('answers every policy by default (up to 1000), as before paging, with the total and no nextOffset', async () => {
    const { server, listing } = await app(30);
    const res = await request(server).get('/policies');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ...listing, total: 30 });
    expect(
      (await request(server).get('/policies?limit=1000&offset=0')).body,
    ).toEqual(res.body);
  });

  it('pages with limit and offset; notInstalled, unfedRules and errors are of every policy', async () => {
    const { server, listing } = await app(30);
    const first = await request(server).get('/policies?limit=10');
    expect(first.body).toEqual({
      ...listing,
      policies: listing.policies.slice(0, 10),
      total: 30,
      nextOffset: 10,
    });
    const next = await request(server).get(
      `/policies?limit=10&offset=${first.body.nextOffset}`,
    );
    expect(next.body).toMatchObject({
      policies: listing.policies.slice(10, 20),
      total: 30,
      nextOffset: 20,
    });
    const last = await request(server).get('/policies?limit=10&offset=20');
    expect(last.body.policies).toEqual(listing.policies.slice(20));
    expect(last.body).not.toHaveProperty('nextOffset');
    const beyond = await request(server).get('/policies?offset=31');
    expect([beyond.status, beyond.body.policies, beyond.body.total]).toEqual([
      200,
      [],
      30,
    ]);
  });

  it('caps the default answer at 1000 and says where the next page starts', async () => {
    const { server, listing } = await app(1001);
    const res = await request(server).get('/policies');
    expect(res.body.policies).toEqual(listing.policies.slice(0, 1000));
    expect(res.body).toMatchObject({ total: 1001, nextOffset: 1000 });
    expect(
      (await request(server).get('/policies?offset=1000')).body.policies,
    ).toEqual([listing.policies[1000]]);
  });

  it.each([
    ['limit=0', /parameter 'limit' is '0': give a whole number from 1 to 5000/],
    [
      'limit=5001',
      /parameter 'limit' is '5001': give a whole number from 1 to 5000/,
    ],
    [
      'offset=-1',
      /parameter 'offset' is '-1': give a whole number from 0 to 1000000/,
    ],
    ['offset=two', /parameter 'offset' is 'two'/],
  ])(
    'rejects %s with 400 naming the parameter and its range',
    async (query, message) => {
      const { server } = await app(3);
      const res = await request(server).get(`/policies?${query}`);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(message);
    },
  );
});
