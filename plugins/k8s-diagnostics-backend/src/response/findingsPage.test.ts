import { ClusterFindings, HealthFinding } from '../types';
import { findingsPage } from './findingsPage';

const all: ClusterFindings = {
  status: 'ok',
  scannedAt: '2026-03-01T12:00:00.000Z',
  findings: ['a', 'b', 'c', 'd', 'e'].map(id => ({ id } as HealthFinding)),
  errors: [],
  warnings: ['w'],
  facets: { clusters: ['c1'], namespaces: ['shop'], kinds: ['Pod'] },
};

describe('findingsPage', () => {
  it('gives a page with the total and the next offset', () => {
    const page = findingsPage(all, { limit: 2, offset: 1 });
    expect(page.findings.map(f => f.id)).toEqual(['b', 'c']);
    expect(page).toMatchObject({
      total: 5,
      nextOffset: 3,
      warnings: ['w'],
      facets: all.facets,
    });
  });

  it('has no next offset on the last page or past the end', () => {
    expect(findingsPage(all, { limit: 2, offset: 3 })).not.toHaveProperty(
      'nextOffset',
    );
    const past = findingsPage(all, { limit: 2, offset: 10 });
    expect(past.findings).toEqual([]);
    expect(past.total).toBe(5);
    expect(past).not.toHaveProperty('nextOffset');
  });
});
