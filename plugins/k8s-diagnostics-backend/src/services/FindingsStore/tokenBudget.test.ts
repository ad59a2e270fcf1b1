import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { databaseIdsForTests } from '@periscope/test-utils';
import { createFindingsStore } from './createFindingsStore';
import { UsageEntry } from './types';

const databases = TestDatabases.create({
  ids: databaseIdsForTests('Health token budget store tests'),
});

const entry = (
  total: number,
  userRef = 'user:default/alice',
  entityRef = 'component:default/x',
): UsageEntry => ({
  cacheKey: 'k',
  entityRef,
  userRef,
  findingId: 'f',
  provider: 'openai',
  model: 'm',
  usage: { promptTokens: total - 10, completionTokens: 10, totalTokens: total },
  at: new Date('2026-03-01T12:00:00Z'),
});
const day = '2026-03-01';

describe('FindingsStore token budget, rate limit and usage', () => {
  it.each(databases.eachSupportedId())(
    'reserves atomically across two stores (replicas) on one database, %p',
    async id => {
      const knex = await databases.init(id);
      const replicas = [
        await createFindingsStore(mockServices.database({ knex })),
        await createFindingsStore(mockServices.database({ knex })),
      ];
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          replicas[i % 2].reserveTokens({ day, tokens: 100, budget: 1000 }),
        ),
      );
      expect(results.filter(r => r.granted)).toHaveLength(10);
      const refused = results.find(r => !r.granted)!;
      expect(refused).toEqual({ granted: false, used: 0, reserved: 1000 });
      // Settling to the real usage frees the rest: 10 calls used 30 each.
      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          replicas[i % 2].settleTokens({
            day,
            reserved: 100,
            usage: entry(30),
          }),
        ),
      );
      expect(await replicas[0].tokensUsedOn(day)).toBe(300);
      expect(
        await replicas[1].reserveTokens({ day, tokens: 700, budget: 1000 }),
      ).toEqual({ granted: true, used: 300, reserved: 700 });
      expect(
        await replicas[1].reserveTokens({ day, tokens: 1, budget: 1000 }),
      ).toMatchObject({ granted: false });
      // A failed call releases without recording anything.
      await replicas[0].settleTokens({ day, reserved: 700 });
      expect(
        await replicas[0].reserveTokens({ day, tokens: 700, budget: 1000 }),
      ).toEqual({ granted: true, used: 300, reserved: 700 });
      expect(await replicas[0].tokensUsedOn(day)).toBe(300);
    },
  );

  it.each(databases.eachSupportedId())(
    'starts a day from the usage recorded before, and records usage by user and entity, %p',
    async id => {
      const knex = await databases.init(id);
      const store = await createFindingsStore(mockServices.database({ knex }));
      await store.recordUsage(entry(400));
      await store.recordUsage(entry(100, 'user:default/bob'));
      await store.recordUsage({
        ...entry(50),
        userRef: undefined,
        entityRef: 'component:default/y',
      });
      expect(
        await store.reserveTokens({ day, tokens: 500, budget: 1000 }),
      ).toEqual({ granted: false, used: 550, reserved: 0 });
      expect(
        await store.reserveTokens({ day, tokens: 450, budget: 1000 }),
      ).toEqual({ granted: true, used: 550, reserved: 450 });
      expect(await store.usageOn(day)).toEqual(
        expect.arrayContaining([
          {
            userRef: 'user:default/alice',
            entityRef: 'component:default/x',
            calls: 1,
            totalTokens: 400,
          },
          {
            userRef: 'user:default/bob',
            entityRef: 'component:default/x',
            calls: 1,
            totalTokens: 100,
          },
          { entityRef: 'component:default/y', calls: 1, totalTokens: 50 },
        ]),
      );
      expect(await store.usageOn('2026-03-02')).toEqual([]);
    },
  );

  it.each(databases.eachSupportedId())(
    'counts calls per user and minute, %p',
    async id => {
      const knex = await databases.init(id);
      const store = await createFindingsStore(mockServices.database({ knex }));
      const take = (userRef: string, minute: string) =>
        store.takeRateSlot({ userRef, minute, limit: 3 });
      const taken = await Promise.all(
        Array.from({ length: 5 }, () =>
          take('user:default/alice', '2026-03-01T12:00'),
        ),
      );
      expect(taken.filter(Boolean)).toHaveLength(3);
      expect(await take('user:default/bob', '2026-03-01T12:00')).toBe(true);
      expect(await take('user:default/alice', '2026-03-01T12:01')).toBe(true);
    },
  );

  it.each(databases.eachSupportedId())(
    'adds the user column to a usage table from before, %p',
    async id => {
      const knex = await databases.init(id);
      await knex.schema.createTable('k8s_diagnostics_token_usage', t => {
        t.increments('seq');
        t.string('day', 10).notNullable();
        t.string('cache_key', 64).notNullable();
        t.string('entity_ref', 255).notNullable();
        t.string('finding_id', 64).notNullable();
        t.string('provider', 32).notNullable();
        t.string('model', 255).notNullable();
        t.integer('prompt_tokens').notNullable();
        t.integer('completion_tokens').notNullable();
        t.integer('total_tokens').notNullable();
        t.boolean('estimated').notNullable();
        t.string('created_at', 40).notNullable();
      });
      const store = await createFindingsStore(mockServices.database({ knex }));
      expect(
        await knex.schema.hasColumn('k8s_diagnostics_token_usage', 'user_ref'),
      ).toBe(true);
      await store.recordUsage(entry(10));
      expect(await store.usageOn(day)).toEqual([
        {
          userRef: 'user:default/alice',
          entityRef: 'component:default/x',
          calls: 1,
          totalTokens: 10,
        },
      ]);
    },
  );
});
