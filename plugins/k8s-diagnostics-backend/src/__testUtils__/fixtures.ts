/**
 * Test helpers: a small "shop" snapshot shaped like the local cluster's scenarios (with the
 * identifiers that must never reach an LLM), and an OpenAI-compatible server on loopback.
 */
import http from 'node:http';
import { AddressInfo } from 'node:net';
import {
  analyze,
  createSnapshot,
  KubeObject,
} from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { DEFAULT_ANALYZERS } from '../config';
import { FindingsStore } from '../services/FindingsStore';
import {
  belongsTo,
  ObjectIndex,
  toFindings,
  workloadsOf,
} from '../services/HealthService/findings';

export const SECRET_VALUE = 'Sup3r-S3cret-Passw0rd';
export const POD_IP = '10.42.7.19';
export const DB_IP = '10.96.3.41';

const labels = (id: string) => ({
  app: id,
  'backstage.io/kubernetes-id': id,
  team: 'team-payments-core',
});

/** Deployment → ReplicaSet → Pod of `payments` crash-looping, and `cart` failing to pull its image. */
export function shopObjects(): KubeObject[] {
  const ts = '2026-11-22T02:00:00Z';
  const deploy = (name: string): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name,
      namespace: 'shop',
      labels: labels(name),
      uid: `${name}-d`,
    },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        spec: { containers: [{ name, image: `periscope/${name}:3.1.0` }] },
      },
    },
    status: { replicas: 1, readyReplicas: 0, availableReplicas: 0 },
  });
  const rs = (name: string): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${name}-7d9f8c`,
      namespace: 'shop',
      labels: labels(name),
      ownerReferences: [{ kind: 'Deployment', name, controller: true }],
    },
    spec: { replicas: 1 },
    status: { replicas: 1 },
  });
  const pod = (
    name: string,
    waiting: { reason: string; message: string },
    lastState?: object,
  ): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${name}-7d9f8c-x2x9z`,
      namespace: 'shop',
      labels: labels(name),
      ownerReferences: [
        { kind: 'ReplicaSet', name: `${name}-7d9f8c`, controller: true },
      ],
    },
    spec: {
      containers: [{ name, image: `periscope/${name}:3.1.0` }],
      nodeName: 'kwok-node-0',
    },
    status: {
      phase: 'Running',
      podIP: POD_IP,
      containerStatuses: [
        {
          name,
          ready: false,
          restartCount: 7,
          state: { waiting },
          ...(lastState ? { lastState } : {}),
        },
      ],
    },
  });
  const event = (
    name: string,
    reason: string,
    message: string,
  ): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${name}.1`, namespace: 'shop' },
    involvedObject: { kind: 'Pod', name, namespace: 'shop' },
    type: 'Warning',
    reason,
    message,
    count: 7,
    lastTimestamp: ts,
  });
  return [
    deploy('payments'),
    rs('payments'),
    pod(
      'payments',
      {
        reason: 'CrashLoopBackOff',
        message: `back-off 5m0s restarting failed container=payments pod=payments-7d9f8c-x2x9z_shop(uid) after dial tcp ${DB_IP}:5432 with password=${SECRET_VALUE}`,
      },
      { terminated: { exitCode: 1, reason: 'Error' } },
    ),
    event(
      'payments-7d9f8c-x2x9z',
      'BackOff',
      `Back-off restarting failed container payments in pod payments-7d9f8c-x2x9z_shop; last error: connecting to ${DB_IP} as user payments-svc token: ${SECRET_VALUE}`,
    ),
    deploy('cart'),
    rs('cart'),
    pod('cart', {
      reason: 'ImagePullBackOff',
      message:
        'Back-off pulling image "registry.shop.internal/shop/cart:9.9.9"',
    }),
    event(
      'cart-7d9f8c-x2x9z',
      'Failed',
      `Failed to pull image "registry.shop.internal/shop/cart:9.9.9": dial tcp ${POD_IP}:443: i/o timeout`,
    ),
  ];
}

/** The identifiers of the scenario that no request to an LLM may contain. */
export const FORBIDDEN = [
  'payments',
  'payments-7d9f8c',
  'payments-7d9f8c-x2x9z',
  'payments-svc',
  'cart',
  'cart-7d9f8c-x2x9z',
  'shop',
  'team-payments-core',
  'local-test',
  POD_IP,
  DB_IP,
  SECRET_VALUE,
];

/** Runs the analyzers over {@link shopObjects} and records the entity's part, as a scan would. */
export async function seedEntity(
  store: FindingsStore,
  entityRef: string,
  id: string,
  cluster = 'local-test',
  at = new Date(),
) {
  const snapshot = createSnapshot(shopObjects());
  const report = analyze(snapshot, { filters: DEFAULT_ANALYZERS });
  const index = new ObjectIndex(snapshot);
  const selector = {
    labelSelector: `backstage.io/kubernetes-id=${id}`,
    namespace: 'shop',
  };
  const findings = toFindings(cluster, snapshot, report.results).filter(f =>
    belongsTo(index, f, selector),
  );
  await store.recordScan({
    scope: entityRef,
    at,
    scannedClusters: [cluster],
    findings,
    errors: [],
    warnings: [],
    clusters: [{ name: cluster, workloads: workloadsOf(snapshot, selector) }],
  });
  return findings;
}

export type FakeLlmMode =
  | 'json'
  | 'rate-limit-once'
  | 'hang'
  | 'malformed'
  | 'injection-echo';

/** An OpenAI-compatible chat completions server on 127.0.0.1 that records every request body. */
export async function startFakeLlm(initial: FakeLlmMode = 'json') {
  const bodies: string[] = [];
  const state = { mode: initial, calls: 0 };
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', c => (body += c));
    req.on('end', () => {
      bodies.push(body);
      state.calls++;
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res
          .writeHead(404, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { message: 'not found' } }));
        return;
      }
      if (state.mode === 'hang') return; // never answers
      if (state.mode === 'rate-limit-once' && state.calls === 1) {
        res
          .writeHead(429, {
            'content-type': 'application/json',
            'retry-after-ms': '10',
          })
          .end(
            JSON.stringify({
              error: { message: 'slow down', type: 'rate_limit' },
            }),
          );
        return;
      }
      const request = JSON.parse(body) as {
        stream?: boolean;
        messages: Array<{ content: string }>;
      };
      const user = request.messages[request.messages.length - 1].content;
      const pod = /"name": "(NAME_\d+)"/.exec(user)?.[1] ?? 'NAME_1';
      const ns =
        /"namespace": "(NAMESPACE_\d+)"/.exec(user)?.[1] ?? 'NAMESPACE_1';
      const answer =
        state.mode === 'malformed'
          ? `Sorry, plain text only: restart ${pod}.`
          : JSON.stringify({
              summary: `Pod ${pod} in ${ns} is crash-looping.`,
              likelyCause: 'The database credentials are rejected (SECRET_1).',
              steps: ['Check the logs.', 'Fix the Secret.'],
              commands: [`kubectl logs -n ${ns} ${pod} --previous`],
            });
      const usage = {
        prompt_tokens: 120,
        completion_tokens: 40,
        total_tokens: 160,
      };
      if (!request.stream) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            id: 'c1',
            object: 'chat.completion',
            created: 0,
            model: 'fake',
            choices: [
              {
                index: 0,
                message: { role: 'assistant', content: answer },
                finish_reason: 'stop',
              },
            ],
            usage,
          }),
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (delta: object, extra: object = {}) =>
        `data: ${JSON.stringify({
          id: 'c1',
          object: 'chat.completion.chunk',
          created: 0,
          model: 'fake',
          choices: [{ index: 0, delta, finish_reason: null }],
          ...extra,
        })}\n\n`;
      // Split mid-placeholder on purpose: the unmasking must hold partial placeholders back.
      for (let i = 0; i < answer.length; i += 7)
        res.write(chunk({ content: answer.slice(i, i + 7) }));
      res.write(
        `data: ${JSON.stringify({
          id: 'c1',
          object: 'chat.completion.chunk',
          created: 0,
          model: 'fake',
          choices: [],
          usage,
        })}\n\n`,
      );
      res.end('data: [DONE]\n\n');
    });
  });
  server.on('connection', s => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    bodies,
    state,
    async close() {
      sockets.forEach(s => s.destroy());
      await new Promise(r => server.close(r));
    },
  };
}
