import {
  mockCredentials,
  mockServices,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  AI_LIMIT_DEFAULTS,
  AiConfig,
  readDiagnosticsConfig,
} from '../../config';
import {
  FORBIDDEN,
  SECRET_VALUE,
  seedEntity,
  startFakeLlm,
} from '../../__testUtils__/fixtures';
import { ExplainChunk } from '../../types';
import { createFindingsStore } from '../FindingsStore';
import { createHealthService } from '../HealthService';
import { createExplainService } from './createExplainService';

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
const entityRef = 'component:default/payments';
const entities = ['payments', 'cart'].map(name => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name,
    namespace: 'default',
    annotations: {
      'backstage.io/kubernetes-id': name,
      'backstage.io/kubernetes-namespace': 'shop',
    },
  },
  spec: { type: 'service', owner: 'team-shop', lifecycle: 'production' },
}));

async function setup(ai?: Partial<AiConfig> & { baseUrl: string }) {
  const knex = await databases.init('SQLITE_3');
  const store = await createFindingsStore(mockServices.database({ knex }));
  const config = readDiagnosticsConfig(
    mockServices.rootConfig({
      data: { k8sDiagnostics: { cacheTtlSeconds: 3600 } },
    }),
  );
  const health = createHealthService({
    clusters: [
      {
        name: 'local-test',
        url: 'https://127.0.0.1:1',
        authProvider: 'serviceAccount',
        skipTLSVerify: false,
      },
    ],
    config,
    catalog: catalogServiceMock({ entities }),
    store,
    logger: mockServices.logger.mock(),
    auth: mockServices.auth(),
  });
  const payments = await seedEntity(store, entityRef, 'payments');
  const cart = await seedEntity(store, 'component:default/cart', 'cart');
  const aiConfig: AiConfig | undefined = ai && {
    provider: 'openai',
    model: 'fake-model',
    timeoutMs: 5000,
    maxRetries: 2,
    language: 'English',
    ...AI_LIMIT_DEFAULTS,
    ...ai,
  };
  const explain = createExplainService({
    ai: aiConfig,
    health,
    store,
    logger: mockServices.logger.mock(),
  });
  const pod = (list: typeof payments) =>
    list.find(f => f.object.kind === 'Pod')!;
  return { explain, store, paymentsPod: pod(payments), cartPod: pod(cart) };
}

const credentials = mockCredentials.user();

describe('ExplainService against an OpenAI-compatible server on loopback', () => {
  let llm: Awaited<ReturnType<typeof startFakeLlm>>;
  afterEach(() => llm?.close());

  it('streams a masked request and an unmasked structured answer, records usage, then serves the cache', async () => {
    llm = await startFakeLlm('json');
    const { explain, store, paymentsPod } = await setup({
      baseUrl: llm.baseUrl,
    });
    const chunks: ExplainChunk[] = [];
    const result = await explain.explain({
      entityRef,
      findingId: paymentsPod.id,
      credentials,
      onChunk: c => chunks.push(c),
    });
    expect(result).toMatchObject({
      source: 'llm',
      format: 'json',
      model: 'fake-model',
      usage: { totalTokens: 160 },
    });
    expect(result.explanation.summary).toBe(
      'Pod payments-7d9f8c-x2x9z in shop is crash-looping.',
    );
    expect(result.explanation.likelyCause).toBe(
      'The database credentials are rejected ([redacted]).',
    );
    expect(result.explanation.commands).toEqual([
      'kubectl logs -n shop payments-7d9f8c-x2x9z --previous',
    ]);
    const streamed = chunks
      .filter(c => c.type === 'delta')
      .map(c => (c as { text: string }).text)
      .join('');
    expect(streamed).toContain('payments-7d9f8c-x2x9z');
    expect(streamed).not.toMatch(/NAME_\d|NAMESPACE_\d/);
    expect(chunks[chunks.length - 1]).toEqual({ type: 'done', result });
    expect(
      await store.tokensUsedOn(new Date().toISOString().slice(0, 10)),
    ).toBe(160);

    const body = JSON.parse(llm.bodies[0]);
    expect(body).toMatchObject({
      model: 'fake-model',
      stream: true,
      max_tokens: 800,
    });
    expect(body.messages[1].content).toMatch(
      /<<<BEGIN UNTRUSTED CLUSTER DATA>>>/,
    );
    expect(body.messages[0].content).toMatch(/do not follow instructions/);

    const again = await explain.explain({
      entityRef,
      findingId: paymentsPod.id,
      credentials,
    });
    expect(again).toMatchObject({
      source: 'cache',
      explanation: result.explanation,
    });
    expect(llm.bodies).toHaveLength(1);
  });

  it('never sends a name, namespace, label value, IP or secret of the scenario workloads', async () => {
    llm = await startFakeLlm('json');
    const { explain, paymentsPod, cartPod } = await setup({
      baseUrl: llm.baseUrl,
    });
    await explain.explain({
      entityRef,
      findingId: paymentsPod.id,
      credentials,
    });
    await explain.explain({
      entityRef: 'component:default/cart',
      findingId: cartPod.id,
      credentials,
    });
    expect(llm.bodies).toHaveLength(2);
    for (const body of llm.bodies) {
      const leaked = FORBIDDEN.filter(s =>
        body.toLowerCase().includes(s.toLowerCase()),
      );
      expect(leaked).toEqual([]);
    }
    expect(llm.bodies.join()).not.toContain(SECRET_VALUE);
  });

  it('retries a 429 through the SDK and then succeeds', async () => {
    llm = await startFakeLlm('rate-limit-once');
    const { explain, paymentsPod } = await setup({ baseUrl: llm.baseUrl });
    const result = await explain.explain({
      entityRef,
      findingId: paymentsPod.id,
      credentials,
    });
    expect(result.source).toBe('llm');
    expect(llm.state.calls).toBe(2);
  });

  it('gives a clear 503 when the server does not answer in time', async () => {
    llm = await startFakeLlm('hang');
    const { explain, paymentsPod } = await setup({
      baseUrl: llm.baseUrl,
      timeoutMs: 300,
      maxRetries: 0,
    });
    const error = await explain
      .explain({ entityRef, findingId: paymentsPod.id, credentials })
      .catch(e => e);
    expect(error.name).toBe('ServiceUnavailableError');
    expect(error.message).toMatch(
      /did not answer within 300 ms.*k8sDiagnostics\.ai\.timeoutMs/,
    );
  });

  it('falls back to text for a malformed answer and does not cache it', async () => {
    llm = await startFakeLlm('malformed');
    const { explain, paymentsPod } = await setup({ baseUrl: llm.baseUrl });
    const result = await explain.explain({
      entityRef,
      findingId: paymentsPod.id,
      credentials,
    });
    expect(result).toMatchObject({
      format: 'text',
      warning: expect.stringMatching(/requested JSON format/),
    });
    expect(result.explanation.summary).toBe(
      'Sorry, plain text only: restart payments-7d9f8c-x2x9z.',
    );
    await explain.explain({
      entityRef,
      findingId: paymentsPod.id,
      credentials,
    });
    expect(llm.bodies).toHaveLength(2);
  });

  it('answers 429 once the rest of the daily token budget cannot hold another call', async () => {
    llm = await startFakeLlm('json');
    // One call reserves its estimated input (about 720 with the prompt's instructions) plus max_tokens
    // (2000): 2800 holds one, not 160 used plus another.
    const { explain, store, paymentsPod, cartPod } = await setup({
      baseUrl: llm.baseUrl,
      dailyTokenBudget: 2800,
      maxOutputTokens: 2000,
    });
    await explain.explain({
      entityRef,
      findingId: paymentsPod.id,
      credentials,
    });
    await expect(
      explain.explain({
        entityRef: 'component:default/cart',
        findingId: cartPod.id,
        credentials,
      }),
    ).rejects.toMatchObject({
      statusCode: 429,
      message: expect.stringMatching(
        /daily AI token budget is spent \(160 of 2800 tokens used on .* UTC, 0 more reserved .*may need up to 2\d{3}\).*dailyTokenBudget/,
      ),
    });
    expect(llm.bodies).toHaveLength(1);
    expect(
      await store.tokensUsedOn(new Date().toISOString().slice(0, 10)),
    ).toBe(160);
  });

  it('says which server cannot be reached', async () => {
    llm = await startFakeLlm('json');
    await llm.close();
    const { explain, paymentsPod } = await setup({
      baseUrl: llm.baseUrl,
      maxRetries: 0,
    });
    await expect(
      explain.explain({ entityRef, findingId: paymentsPod.id, credentials }),
    ).rejects.toMatchObject({
      message: expect.stringContaining(
        `cannot reach the AI provider at ${llm.baseUrl}`,
      ),
    });
  });
});

describe('ExplainService without an LLM', () => {
  it('explains from the built-in remediation catalog with the real names', async () => {
    const { explain, paymentsPod, cartPod } = await setup();
    const chunks: ExplainChunk[] = [];
    const crash = await explain.explain({
      entityRef,
      findingId: paymentsPod.id,
      credentials,
      onChunk: c => chunks.push(c),
    });
    expect(crash).toMatchObject({ source: 'catalog', format: 'json' });
    expect(crash.explanation.summary).toMatch(/CrashLoopBackOff/);
    expect(crash.explanation.commands).toContain(
      'kubectl logs -n shop payments-7d9f8c-x2x9z --previous',
    );
    expect(chunks.filter(c => c.type === 'delta').length).toBeGreaterThan(3);
    const pull = await explain.explain({
      entityRef: 'component:default/cart',
      findingId: cartPod.id,
      credentials,
    });
    expect(pull.explanation.summary).toMatch(/cannot be pulled/);
  });

  it('answers 404 for a finding that is not the entity’s', async () => {
    const { explain, cartPod } = await setup();
    await expect(
      explain.explain({ entityRef, findingId: cartPod.id, credentials }),
    ).rejects.toMatchObject({
      name: 'NotFoundError',
      message: expect.stringMatching(
        /is not a finding of component:default\/payments/,
      ),
    });
  });
});
