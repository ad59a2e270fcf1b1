import fs from 'node:fs';
import path from 'node:path';
import yaml from 'yaml';
import { POLICIES_DIR } from '../../__testUtils__/corpus';
import { summarizePolicySpec } from './tracingPolicies';

describe('TracingPolicy summaries of the corpus', () => {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const f of fs.readdirSync(d)) {
      const p = path.join(d, f);
      if (fs.statSync(p).isDirectory()) walk(p);
      else if (f.endsWith('.yaml')) files.push(p);
    }
  };
  walk(POLICIES_DIR);

  it.each(files.map(f => [path.relative(POLICIES_DIR, f), f]))(
    '%s: mode follows its actions',
    (_name, file) => {
      const docs = yaml
        .parseAllDocuments(fs.readFileSync(file, 'utf8'))
        .map(d => d.toJSON())
        .filter(d => d?.spec);
      for (const doc of docs) {
        const s = summarizePolicySpec(doc.spec);
        const text = JSON.stringify(doc.spec);
        const enforcing = /"action":"(Sigkill|Override|NotifyEnforcer)"/i.test(
          text,
        );
        expect(s.mode).toBe(enforcing ? 'enforcement' : 'monitoring');
        expect(s.hooks.length).toBeGreaterThan(0);
        expect(s.calls.length).toBeGreaterThan(0);
      }
    },
  );
});
