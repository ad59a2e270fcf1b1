#!/usr/bin/env node
/*
 * Reads a Jest or Playwright JSON report and the runner's exit code, and prints the counts that
 * ./scripts/test adds up: first line `PASSED FAILED SKIPPED`, then one line per failed or skipped
 * test or report error (`FAIL …`, `SKIP …`, `ERROR …`).
 *
 *   node scripts/lib/test-report.js jest REPORT.json EXIT_CODE
 *   node scripts/lib/test-report.js playwright REPORT.json EXIT_CODE
 *
 * Rules (./scripts/test provides every prerequisite, so nothing may skip for lack of one):
 * - Jest: every skipped or todo test counts as failed (their titles say what they needed, see
 *   @periscope/test-utils); a suite that failed to run counts as one failure.
 * - Playwright: a skip whose reason starts with "needs" counts as failed; other skips (a test for
 *   a set-up this run does not have) count as skipped, listed with their reason; every error of
 *   the report (a spec that does not load, a `test.only` under forbidOnly) counts as failed.
 * - A runner that exited non-zero although no failure was counted adds one failure, and so does a
 *   report that is missing or unreadable.
 */
'use strict';
const fs = require('node:fs');

function readReport(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    return { unreadable: `${file}: ${e.message}` };
  }
}

function jest(report) {
  const out = { passed: 0, failed: 0, skipped: 0, lines: [] };
  if (!report.numTotalTests) {
    // backstage-cli passes --passWithNoTests: a pattern that matches nothing must not pass here
    out.failed += 1;
    out.lines.push('FAIL no Jest test ran (a test path pattern that matches nothing, or no test files)');
  }
  for (const suite of report.testResults ?? []) {
    const file = suite.name ?? suite.testFilePath ?? '?';
    const short = file.replace(/^.*?\/(plugins|packages)\//, '$1/');
    if (suite.status === 'failed' && (suite.assertionResults ?? []).every(a => a.status !== 'failed')) {
      out.failed += 1;
      const msg = String(suite.message ?? suite.failureMessage ?? '').split('\n').find(l => l.trim()) ?? 'failed to run';
      out.lines.push(`FAIL ${short}: the suite did not run: ${msg.trim().slice(0, 300)}`);
    }
    for (const a of suite.assertionResults ?? []) {
      const name = a.fullName ?? a.title;
      if (a.status === 'passed') out.passed += 1;
      else if (a.status === 'failed') {
        out.failed += 1;
        out.lines.push(`FAIL ${short}: ${name}`);
      } else {
        // pending, skipped, todo, disabled: a missing prerequisite in ./scripts/test
        out.failed += 1;
        out.lines.push(`FAIL ${short}: ${a.status}, which ./scripts/test counts as failed: ${name}`);
      }
    }
  }
  return out;
}

function playwright(report) {
  const out = { passed: 0, failed: 0, skipped: 0, lines: [] };
  for (const e of report.errors ?? []) {
    out.failed += 1;
    const where = e.location ? ` (${e.location.file}:${e.location.line})` : '';
    out.lines.push(`ERROR${where}: ${String(e.message ?? e.value ?? '').split('\n')[0].slice(0, 300)}`);
  }
  const walk = (suite, titles) => {
    for (const spec of suite.specs ?? []) {
      for (const t of spec.tests ?? []) {
        const name = [...titles, spec.title].filter(Boolean).join(' › ');
        const status = t.status; // expected | unexpected | flaky | skipped
        if (status === 'expected' || status === 'flaky') out.passed += 1;
        else if (status === 'skipped') {
          const reason = (t.annotations ?? []).filter(a => a.type === 'skip').map(a => a.description ?? '').join('; ') || 'no reason given';
          if (/^needs\b/i.test(reason) || reason === 'no reason given') {
            out.failed += 1;
            out.lines.push(`FAIL ${spec.file}: skipped (${reason}), which ./scripts/test counts as failed: ${name}`);
          } else {
            out.skipped += 1;
            out.lines.push(`SKIP ${spec.file}: ${name}: ${reason}`);
          }
        } else {
          out.failed += 1;
          out.lines.push(`FAIL ${spec.file}: ${name}`);
        }
      }
    }
    for (const s of suite.suites ?? []) walk(s, [...titles, s.title]);
  };
  for (const s of report.suites ?? []) walk(s, []);
  return out;
}

function main() {
  const [kind, file, code] = process.argv.slice(2);
  if (!['jest', 'playwright'].includes(kind) || !file || code === undefined) {
    process.stderr.write('usage: test-report.js jest|playwright REPORT.json EXIT_CODE\n');
    process.exit(2);
  }
  const report = readReport(file);
  let out;
  if (report.unreadable) out = { passed: 0, failed: 1, skipped: 0, lines: [`ERROR no ${kind} report: ${report.unreadable}`] };
  else out = kind === 'jest' ? jest(report) : playwright(report);
  if (Number(code) !== 0 && out.failed === 0) {
    out.failed = 1;
    out.lines.push(`ERROR ${kind} exited with ${code} although its report shows no failure (see its log)`);
  }
  process.stdout.write(`${out.passed} ${out.failed} ${out.skipped}\n${out.lines.map(l => `${l}\n`).join('')}`);
}

main();
