import { createSecurityAnalyzer } from '../analyzer';
import { corpusEventFiles, corpusLines } from '../__testUtils__/corpus';
import { toPolicyReports, type PolicyReportApi } from './policyReport';

function findings() {
  const a = createSecurityAnalyzer();
  for (const f of corpusEventFiles())
    for (const l of corpusLines(f)) a.pushLine(l);
  return a.result().findings;
}

describe('toPolicyReports', () => {
  const all = findings();

  it('writes one wgpolicyk8s.io/v1alpha2 PolicyReport per namespace and a ClusterPolicyReport for the rest', () => {
    const reports = toPolicyReports(all);
    const namespaces = [...new Set(all.map(f => f.namespace))].sort();
    expect(reports.map(r => r.metadata.namespace ?? '')).toEqual(namespaces);
    for (const r of reports) {
      expect(r.apiVersion).toBe('wgpolicyk8s.io/v1alpha2');
      expect(r.kind).toBe(
        r.metadata.namespace ? 'PolicyReport' : 'ClusterPolicyReport',
      );
      const inNs = all.filter(
        f => f.namespace === (r.metadata.namespace ?? ''),
      );
      expect(r.results).toHaveLength(inNs.length);
      expect(r.summary.fail + r.summary.warn).toBe(inNs.length);
      expect(r.source).toBeUndefined();
      for (const res of r.results) {
        expect(['critical', 'high', 'medium', 'low', 'info']).toContain(
          res.severity,
        );
        expect(
          Object.values(res.properties).every(v => typeof v === 'string'),
        ).toBe(true);
        expect(res.source).toBe('periscope-runtime-security');
      }
    }
  });

  it('describes the nsenter finding with the pod resource, ATT&CK category and nanosecond timestamp', () => {
    const def = toPolicyReports(all).find(
      r => r.metadata.namespace === 'default',
    )!;
    const r = def.results.find(
      x =>
        x.rule === 'host-namespace-entry' &&
        x.properties.binary === '/usr/bin/nsenter',
    )!;
    expect(r).toMatchObject({
      policy: 'host-namespace-entry',
      result: 'fail',
      severity: 'critical',
      category: 'MITRE ATT&CK T1611',
      resources: [
        {
          apiVersion: 'v1',
          kind: 'Pod',
          name: 'privileged-pod',
          namespace: 'default',
        },
      ],
      timestamp: {
        seconds: Math.floor(Date.UTC(2022, 0, 19, 11, 16, 29, 378) / 1000),
        nanos: 378000000,
      },
    });
    expect(r.properties.ancestry).toBe(
      '/usr/bin/containerd-shim > /usr/bin/runc > /bin/bash > /usr/bin/nsenter',
    );
    expect(r.message).toContain('Process entered host namespaces');
  });

  it.each<[PolicyReportApi, string, string]>([
    ['openreports.io/v1alpha1', 'Report', 'ClusterReport'],
    ['wgpolicyk8s.io/v1alpha2', 'PolicyReport', 'ClusterPolicyReport'],
  ])('%s uses kinds %s / %s', (api, ns, cluster) => {
    const kinds = new Set(toPolicyReports(all, { api }).map(r => r.kind));
    expect(kinds).toEqual(new Set([ns, cluster]));
  });

  it('rejects an unknown API', () => {
    expect(() =>
      toPolicyReports(all, { api: 'v1' as PolicyReportApi }),
    ).toThrow(
      /unknown report API "v1"; use wgpolicyk8s.io\/v1alpha2 or openreports.io\/v1alpha1/,
    );
  });
});
