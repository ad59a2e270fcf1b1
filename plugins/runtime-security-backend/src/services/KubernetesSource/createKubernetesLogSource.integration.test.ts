import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { createSecurityAnalyzer } from '@periscope/backstage-plugin-runtime-security-common';
import {
  kubernetesConfigFromKubeconfig,
  matchesLabelSelector,
  readClusters,
} from '@periscope/kube-access';
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { corpusLines, relabel } from '../../__testUtils__/corpus';
import { createFindingsStore } from '../FindingsStore';
import { createFindingNotifier } from '../Notifications';
import { createKubernetesLogSource } from './createKubernetesLogSource';
import { describeIf } from '@periscope/test-utils';

/*
 * Against the local control plane (PERISCOPE_KUBECONFIG). The cluster's own kwok
 * serves no container logs (its nodes have no address and no kubelet port, and it
 * loads no ClusterLogs), so this test starts a second kwok that manages one node of
 * its own, at 127.0.0.1:<port>, with a ClusterLogs whose file holds corpus events in
 * CRI log format. The API server then proxies GET .../log?follow=true to it: the
 * follower reads real log streams through the real API.
 */
const KUBECONFIG = process.env.PERISCOPE_KUBECONFIG;
const describeCluster = describeIf({ kubeconfig: KUBECONFIG });

const NS = `periscope-rs-it-${Date.now().toString(36)}`;
const NODE = 'periscope-rs-it-node';
const LABEL = 'app.kubernetes.io/name=tetragon-rs-it';
const target = { namespace: 'shop', workload: 'checkout', entity: 'checkout' };

function kwokBinary(): string {
  const envFile = path.join(path.dirname(KUBECONFIG!), 'cluster.env');
  const bin = /CLUSTER_BIN=(.*)/.exec(fs.readFileSync(envFile, 'utf8'))?.[1];
  if (!bin)
    throw new Error(
      `no CLUSTER_BIN in ${envFile}: start the cluster with ./scripts/cluster up`,
    );
  return path.join(bin, 'kwok');
}

function criLines(lines: string[], startMs: number): string {
  return lines
    .map(
      (l, i) =>
        `${new Date(startMs + i * 10)
          .toISOString()
          .replace('Z', '000000Z')} stdout F ${l}\n`,
    )
    .join('');
}

function reference(lines: string[]) {
  const a = createSecurityAnalyzer();
  for (const l of lines) a.pushLine(l);
  return a.result().findings;
}

async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 500));
  }
}

describeCluster('KubernetesLogSource against the local control plane', () => {
  jest.setTimeout(180_000);
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rs-it-'));
  const logFile = path.join(dir, 'export-stdout.log');
  const port = 20000 + Math.floor(Math.random() * 5000);
  let kwok: ChildProcess | undefined;
  let core: CoreV1Api;
  const lines = corpusLines().map(l => relabel(l, target));
  const first = lines.slice(0, 30);
  const second = lines.slice(30);

  beforeAll(async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(KUBECONFIG!);
    core = kc.makeApiClient(CoreV1Api);
    fs.writeFileSync(logFile, criLines(first, Date.now() - 60_000));
    fs.writeFileSync(
      path.join(dir, 'logs.yaml'),
      `apiVersion: kwok.x-k8s.io/v1alpha1\nkind: ClusterLogs\nmetadata:\n  name: rs-it\nspec:\n  selector:\n    matchNamespaces: [${NS}]\n  logs:\n  - containers: [export-stdout]\n    logsFile: ${logFile}\n    follow: true\n`,
    );
    kwok = spawn(
      kwokBinary(),
      [
        `--kubeconfig=${KUBECONFIG}`,
        '--manage-all-nodes=false',
        '--manage-nodes-with-annotation-selector=periscope.dev/rs-it=true',
        '--node-ip=127.0.0.1',
        `--node-port=${port}`,
        `--server-address=127.0.0.1:${port}`,
        `--config=${path.join(dir, 'logs.yaml')}`,
        '--cidr=10.250.0.1/24',
      ],
      {
        stdio: [
          'ignore',
          fs.openSync(path.join(dir, 'kwok.log'), 'w'),
          fs.openSync(path.join(dir, 'kwok.err'), 'w'),
        ],
      },
    );
    await core
      .createNamespace({ body: { metadata: { name: NS } } })
      .catch(() => undefined);
    await core
      .createNode({
        body: {
          metadata: {
            name: NODE,
            annotations: {
              'periscope.dev/rs-it': 'true',
              'kwok.x-k8s.io/node': 'rs-it',
            },
          },
          spec: {
            taints: [{ key: 'periscope.dev/rs-it', effect: 'NoSchedule' }],
          },
          status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }] },
        },
      })
      .catch(() => undefined);
    await core.createNamespacedPod({
      namespace: NS,
      body: {
        metadata: {
          name: 'tetragon-it',
          labels: { 'app.kubernetes.io/name': 'tetragon-rs-it' },
        },
        spec: {
          nodeName: NODE,
          tolerations: [{ key: 'periscope.dev/rs-it', operator: 'Exists' }],
          containers: [
            { name: 'tetragon', image: 'quay.io/cilium/tetragon:v1.4.0' },
            {
              name: 'export-stdout',
              image: 'quay.io/cilium/hubble-export-stdout:v1.0.4',
            },
          ],
        },
      },
    });
    await waitFor(
      'the pod to run',
      async () =>
        (
          await core.readNamespacedPod({ name: 'tetragon-it', namespace: NS })
        ).status?.phase === 'Running',
    );
  });

  afterAll(async () => {
    // pods on a node whose kwok is gone never finish terminating: delete them at once
    await core
      ?.deleteNamespacedPod({
        name: 'tetragon-it',
        namespace: NS,
        gracePeriodSeconds: 0,
      })
      .catch(() => undefined);
    await core?.deleteNamespace({ name: NS }).catch(() => undefined);
    await core?.deleteNode({ name: NODE }).catch(() => undefined);
    kwok?.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('follows the Tetragon log through the API, maps findings to checkout, and resumes without gaps or duplicates', async () => {
    const config = new ConfigReader(
      kubernetesConfigFromKubeconfig(KUBECONFIG!),
    );
    const [cluster] = readClusters(config);
    const knex = await databases.init('SQLITE_3');
    const store = await createFindingsStore(mockServices.database({ knex }));
    const settings = {
      enabled: true,
      labelSelector: LABEL,
      container: 'export-stdout',
      namespace: NS,
      clusters: [cluster],
      followWindowMs: 6000,
      rescanMs: 2000,
      flushMs: 200,
    };
    const deps = {
      store,
      logger: mockServices.logger.mock(),
      analyzer: { customRules: [] },
    };
    const total = async () =>
      (await store.list()).reduce((n, f) => n + f.count, 0);

    await createKubernetesLogSource(cluster, settings, deps).run(
      new AbortController().signal,
    );
    const source = await store.getSource(`kubernetes:${cluster.name}`);
    expect(source?.error).toBeUndefined();
    expect(source?.eventsTotal).toBe(first.length);
    expect(await total()).toBe(
      reference(first).reduce((n, f) => n + f.count, 0),
    );
    const mine = (await store.list({ namespace: 'shop' })).filter(f =>
      matchesLabelSelector(f.labels, 'backstage.io/kubernetes-id=checkout'),
    );
    expect(mine.length).toBe(
      reference(first).filter(f => f.namespace === 'shop').length,
    );

    // the backend restarts; meanwhile Tetragon wrote more events
    fs.appendFileSync(logFile, criLines(second, Date.now() - 30_000));
    await createKubernetesLogSource(cluster, settings, deps).run(
      new AbortController().signal,
    );
    expect(
      (await store.getSource(`kubernetes:${cluster.name}`))?.eventsTotal,
    ).toBe(lines.length);
    expect(await total()).toBe(
      reference(lines).reduce((n, f) => n + f.count, 0),
    );
  });

  it('notifies the owning group once of a new critical finding it follows, and not again when the stream is replayed', async () => {
    const config = new ConfigReader(
      kubernetesConfigFromKubeconfig(KUBECONFIG!),
    );
    const [cluster] = readClusters(config);
    const knex = await databases.init('SQLITE_3');
    const store = await createFindingsStore(mockServices.database({ knex }));
    const entity = (
      name: string,
      owner: string,
      annotations: Record<string, string> = {},
    ): Entity => ({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name,
        namespace: 'default',
        annotations: {
          'backstage.io/kubernetes-id': name,
          'backstage.io/kubernetes-namespace': 'shop',
          ...annotations,
        },
      },
      spec: { type: 'service', owner, lifecycle: 'production' },
    });
    const send = jest.fn(async () => {});
    const notifier = createFindingNotifier({
      settings: { enabled: true, mutedEntities: [] },
      notifications: { send },
      // checkout (the corpus's workload, critical findings among them) is muted; payments is not
      catalog: catalogServiceMock({
        entities: [
          entity('checkout', 'team-shop', {
            'periscope.dev/security-notifications': 'off',
          }),
          entity('payments', 'team-payments'),
        ],
      }),
      auth: mockServices.auth(),
      logger: mockServices.logger.mock(),
    });
    const settings = {
      enabled: true,
      labelSelector: LABEL,
      container: 'export-stdout',
      namespace: NS,
      clusters: [cluster],
      followWindowMs: 6000,
      rescanMs: 2000,
      flushMs: 200,
    };
    const deps = {
      store,
      logger: mockServices.logger.mock(),
      analyzer: { customRules: [] },
      notifier,
    };
    expect(
      reference(lines).some(
        f => f.severity === 'critical' && f.namespace === 'shop',
      ),
    ).toBe(true);

    // Tetragon reports a fileless execution in payments
    const exec = JSON.parse(
      corpusLines().find(
        l => l.startsWith('{"process_exec"') && l.includes('"pod"'),
      )!,
    );
    exec.process_exec.process.binary = 'memfd:payload (deleted)';
    exec.process_exec.process.exec_id = Buffer.from(`rs-it:${NS}`).toString(
      'base64',
    );
    fs.appendFileSync(
      logFile,
      criLines(
        [
          relabel(JSON.stringify(exec), {
            namespace: 'shop',
            workload: 'payments',
            entity: 'payments',
          }),
        ],
        Date.now() - 10_000,
      ),
    );

    await createKubernetesLogSource(cluster, settings, deps).run(
      new AbortController().signal,
    );
    const critical = (
      await store.list({ severity: ['critical'], namespace: 'shop' })
    ).filter(f => f.workload === 'payments');
    expect(critical).toHaveLength(1);
    expect(send).toHaveBeenCalledTimes(1);
    expect(send).toHaveBeenCalledWith({
      recipients: { type: 'entity', entityRef: 'group:default/team-payments' },
      payload: expect.objectContaining({
        severity: 'critical',
        title:
          'Critical runtime finding: Fileless execution (memfd or deleted binary) in shop/payments',
        link: '/catalog/default/component/payments/security',
        scope: `runtime-security:finding:${critical[0].id}`,
      }),
    });

    // the whole stream again: the checkpoint is lost, a new follower reads the log from its start
    const total = async () =>
      (await store.list()).reduce((n, f) => n + f.count, 0);
    const before = await total();
    await knex('runtime_security_sources').delete();
    await createKubernetesLogSource(cluster, settings, deps).run(
      new AbortController().signal,
    );
    expect(
      (await store.getSource(`kubernetes:${cluster.name}`))?.eventsTotal,
    ).toBe(lines.length + 1);
    expect(await total()).toBe(before);
    expect(send).toHaveBeenCalledTimes(1);
  });
});
