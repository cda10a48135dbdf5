import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  FullConfig,
  FullResult,
  Reporter,
  Suite,
  TestCase,
  TestResult,
} from '@playwright/test/reporter';
import { isLoopbackHost } from '../fetch-standard/rules.ts';
import { loadInputs } from '../input/inputs.ts';
import { CONTRACT_AREA } from '../policy/contract.ts';
import { policyWarnings } from '../policy/policy.ts';
import { endpointOfTitles, isConformanceSpec, planOf } from '../run/plan.ts';
import { selectionKey, writeSelection } from '../run/run-ahead.ts';
import { createTarget } from '../run/target.ts';
import {
  COOKIE_WITHHELD_ANNOTATION,
  DIVERGENCE_ANNOTATION,
  HARNESS_RERUN_ANNOTATION,
  VERDICT_ANNOTATION,
} from './annotations.ts';
import { clearDiscovery, concludeDiscovery } from './discovery-report.ts';
import { ALLURE_RESULTS_DIR } from './global-setup.ts';

/**
 * Progress, a per-engine summary, and the catalogue's own check that nothing went unrun: in a run
 * that selects every test, each applicable scenario must have run in each selected engine, and no
 * test may be skipped (a skipped engine must never read as a pass).
 */

/** A conformance test's key (project, describes, title), as the workers' run-ahead names it. */
function keyOf(test: TestCase): string | null {
  const path = test.titlePath();
  if (!isConformanceSpec(path[2])) return null;
  return selectionKey(path[1] ?? '', path.slice(3, -1), test.title);
}

/** The endpoint a conformance test belongs to (src/run/plan.ts). */
function endpointOfTest(test: TestCase): string | null {
  const path = test.titlePath();
  return isConformanceSpec(path[2]) ? endpointOfTitles(path.slice(3, -1)) : null;
}

type Tally = {
  tests: number;
  allowed: number;
  blocked: number;
  opaque: number;
  unreachable: number;
  failed: number;
  divergences: number;
};

export default class RunSummaryReporter implements Reporter {
  private config!: FullConfig;
  private suite!: Suite;
  private done = 0;
  private total = 0;
  private started = Date.now();
  private readonly tallies = new Map<string, Tally>();
  private readonly problems: string[] = [];
  private readonly flaky: string[] = [];
  /** Tests CORS allowed while the engine withheld the cookie the request was to carry. */
  private readonly withheld: string[] = [];
  private readonly reruns: string[] = [];
  private selectionDir: string | null = null;

  printsToStdio(): boolean {
    return true;
  }

  onBegin(config: FullConfig, suite: Suite): void {
    this.config = config;
    this.suite = suite;
    this.total = suite.allTests().length;
    // The workers fetch ahead only what this run selected (grep, shard, lines): tell them what that is.
    this.selectionDir = mkdtempSync(join(tmpdir(), 'cors-conformance-'));
    const keys = suite.allTests().flatMap((t) => keyOf(t) ?? []);
    writeSelection(join(this.selectionDir, 'selection.json'), keys);
    // Not a silent skip: say which scenarios the target does not take, and why.
    const inputs = loadInputs();
    const target = createTarget(inputs);
    if (inputs.endpoint && !inputs.endpoint.policy) {
      // A stale profile from an earlier run must not pass for this one's.
      clearDiscovery();
      process.stdout.write(
        `cors-conformance: no CORS_POLICY: discovering what ${inputs.endpoint.url.href} allows (no verdict has a declared intent behind it; only what is insecure whatever the intent fails)\n`,
      );
    }
    const hosts = new Set(
      inputs.endpoints
        .map((e) => e.url)
        .filter((url) => url.protocol === 'http:' && isLoopbackHost(url.hostname))
        .map((url) => url.host),
    );
    for (const host of hosts) {
      process.stdout.write(
        `cors-conformance: WebKitGTK blocks an https page calling http://${host} as mixed content (the standard exempts loopback): where WebKit is WebKitGTK, its calls from https pages go to https://${host}, which the recording proxy forwards to ${host} over http, Host unchanged, so WebKit judges the same answers\n`,
      );
    }
    if (inputs.endpoints.length > 1) {
      process.stdout.write(
        `cors-conformance: ${inputs.endpoints.length} endpoints from ${process.env.CORS_TARGETS}, ${planOf(inputs).reduce((n, c) => n + c.scenarios.length, 0)} scenarios in all, in each engine\n`,
      );
    }
    const contract = inputs.catalogue.scenarios.filter((s) => s.area === CONTRACT_AREA).length;
    if (contract > 0 && inputs.endpoints.length <= 1) {
      const from = inputs.endpoint
        ? `the policy ${inputs.endpoint.policyFile}`
        : `the realm's contract pipelines`;
      process.stdout.write(`cors-conformance: ${contract} contract scenarios generated from ${from}\n`);
    }
    for (const e of inputs.endpoints.length > 1 ? inputs.endpoints : []) {
      const n = e.scenarios.filter((s) => s.area === CONTRACT_AREA).length;
      process.stdout.write(`cors-conformance: ${e.name}: ${n} contract scenarios from ${e.policyFile}\n`);
    }
    for (const e of inputs.endpoints.filter((x) => x.keyless > 0)) {
      process.stdout.write(
        `cors-conformance: ${e.keyless} scenarios send an API key and do not run against ${e.name ?? e.url.href}: the page has none to send (give the policy's apiKey or bearerTokenEnv, or API_KEY)\n`,
      );
    }
    for (const what of inputs.notProbed)
      process.stdout.write(`cors-conformance: not probed by the contract: ${what}\n`);
    for (const e of inputs.endpoints) {
      for (const warning of e.policy ? policyWarnings(e.policy) : []) {
        const where = e.name ? ` of ${e.name}` : '';
        process.stdout.write(
          `cors-conformance: FLAW in the policy${where} (${warning.severity}): ${warning.text}\n`,
        );
      }
    }
    const notApplicable = inputs.catalogue.scenarios.filter(
      (s) => inputs.endpoints.length > 0 && s.scope !== 'endpoint' && s.area !== CONTRACT_AREA,
    );
    if (notApplicable.length > 0 && inputs.endpoints.some((e) => e.policy)) {
      const against = inputs.endpoints.length > 1 ? 'the endpoints' : target.description;
      process.stdout.write(
        `cors-conformance: ${notApplicable.length} of ${inputs.catalogue.scenarios.length} scenarios test how engines treat particular reference-server answers (scope: reference) and do not run against ${against}\n`,
      );
    }
  }

  onTestEnd(test: TestCase, result: TestResult): void {
    if (result.status === 'interrupted' || (result.retry < test.retries && result.status !== 'passed'))
      return;
    this.done++;
    const project = test.parent.project()?.name ?? '?';
    const endpoint = endpointOfTest(test);
    const engine = endpoint ? `${endpoint}\u0000${project}` : project;
    const tally = this.tallies.get(engine) ?? {
      tests: 0,
      allowed: 0,
      blocked: 0,
      opaque: 0,
      unreachable: 0,
      failed: 0,
      divergences: 0,
    };
    tally.tests++;
    const verdict = test.annotations.find((a) => a.type === VERDICT_ANNOTATION)?.description;
    if (verdict === 'allowed' || verdict === 'blocked' || verdict === 'opaque' || verdict === 'unreachable')
      tally[verdict]++;
    if (test.annotations.some((a) => a.type === DIVERGENCE_ANNOTATION)) tally.divergences++;
    if (result.status !== 'passed') tally.failed++;
    if (result.status === 'passed' && result.retry > 0)
      this.flaky.push(
        `${test.title} [${project}${endpoint ? `, ${endpoint}` : ''}] passed only on retry ${result.retry}: ${test.results[0]?.error?.message?.split('\n')[0] ?? ''}`,
      );
    const withheld = test.annotations.find((a) => a.type === COOKIE_WITHHELD_ANNOTATION)?.description;
    if (withheld) this.withheld.push(`${test.title} [${project}${endpoint ? `, ${endpoint}` : ''}]`);
    const rerun = test.annotations.find((a) => a.type === HARNESS_RERUN_ANNOTATION)?.description;
    if (rerun) this.reruns.push(`${test.title} [${project}${endpoint ? `, ${endpoint}` : ''}]: ${rerun}`);
    if (result.status === 'skipped')
      this.problems.push(`${test.title} [${project}${endpoint ? `, ${endpoint}` : ''}] was skipped`);
    this.tallies.set(engine, tally);
    // Progress on long runs: a line every 50 tests (the list reporter shows each test).
    if (this.done % 50 === 0 || this.done === this.total) {
      const seconds = Math.round((Date.now() - this.started) / 1000);
      process.stdout.write(`cors-conformance: ${this.done}/${this.total} tests done in ${seconds} s\n`);
    }
  }

  /** A run narrowed by the command line (grep, shard, files, --last-failed...) is not checked for completeness. */
  private selectsEverything(): boolean {
    const grep = Array.isArray(this.config.grep) ? this.config.grep : [this.config.grep];
    const everyGrep = grep.every((g) => String(g) === '/.*/');
    const narrowing = ['--last-failed', '--only-changed', '-g', '--grep', '--shard', '--grep-invert'];
    // Test files named on the command line (not node's script, not the config file).
    const args = (this.config.argv ?? []).slice(2);
    const fileArgs = args.some(
      (a, i) =>
        /\.[jt]s$/.test(a) && !['-c', '--config'].includes(args[i - 1] ?? '') && !a.startsWith('--config='),
    );
    return (
      everyGrep &&
      !this.config.grepInvert &&
      !this.config.shard &&
      !fileArgs &&
      !this.config.argv?.some?.((a) => narrowing.includes(a))
    );
  }

  private checkCompleteness(): void {
    const ran = new Set(
      this.suite
        .allTests()
        .filter((t) => t.results.some((r) => r.status !== 'skipped'))
        .flatMap((t) => keyOf(t) ?? []),
    );
    const plan = planOf(loadInputs());
    for (const project of this.suite.suites.map((s) => s.project()?.name).filter((n): n is string => !!n)) {
      for (const chunk of plan) {
        for (const scenario of chunk.scenarios) {
          if (!ran.has(selectionKey(project, chunk.titles, scenario.id))) {
            const where = chunk.titles.length > 1 ? ` (${chunk.titles[0]})` : '';
            this.problems.push(`${scenario.id}${where} did not run in ${project}`);
          }
        }
      }
    }
  }

  async onEnd(result: FullResult): Promise<{ status?: FullResult['status'] } | undefined> {
    if (this.selectionDir) rmSync(this.selectionDir, { recursive: true, force: true });
    // `--list` runs nothing: there is no result to summarise or to check for completeness.
    if (process.argv.includes('--list')) return undefined;
    if (result.status !== 'interrupted' && this.selectsEverything()) this.checkCompleteness();
    const rows = [...this.tallies.entries()].sort(([a], [b]) => a.localeCompare(b));
    // Endpoint x engine when a targets file names several endpoints; else engine alone.
    const named = rows.some(([key]) => key.includes('\u0000'));
    const width = Math.max(10, ...rows.map(([key]) => key.split('\u0000')[0]?.length ?? 0)) + 2;
    const line = (cells: Array<string | number>) =>
      cells
        .map((c, i) => String(c).padEnd(named && i === 0 ? width : i <= (named ? 1 : 0) ? 10 : 12))
        .join('');
    const head = ['tests', 'allowed', 'blocked', 'opaque', 'unreachable', 'failed', 'divergences'];
    const table = [
      line([...(named ? ['endpoint'] : []), 'engine', ...head]),
      ...rows.map(([key, t]) =>
        line([
          ...(named ? (key.includes('\u0000') ? key.split('\u0000') : ['(self-checks)', key]) : [key]),
          t.tests,
          t.allowed,
          t.blocked,
          t.opaque,
          t.unreachable,
          t.failed,
          t.divergences,
        ]),
      ),
    ];
    process.stdout.write(
      `\ncors-conformance summary (verdicts are what each engine did):\n${table.join('\n')}\n`,
    );
    process.stdout.write(
      `Allure results: ${ALLURE_RESULTS_DIR}/ (npm run report in a clone, npx cors-conformance report where the package is installed)\n`,
    );
    const inputs = loadInputs();
    if (inputs.endpoint && !inputs.endpoint.policy && result.status !== 'interrupted')
      process.stdout.write(`\n${concludeDiscovery().join('\n')}\n`);
    if (this.withheld.length > 0) {
      process.stdout.write(
        `\ncors-conformance: allowed by CORS, but the engine withheld the cookie (its cookie policy, not CORS: a session API sees these requests as anonymous):\n${this.withheld.map((p) => `  - ${p}`).join('\n')}\n`,
      );
    }
    if (this.flaky.length > 0) {
      process.stdout.write(
        `\ncors-conformance: flaky (failed, then passed on a retry):\n${this.flaky.map((p) => `  - ${p}`).join('\n')}\n`,
      );
    }
    if (this.reruns.length > 0) {
      process.stdout.write(
        `\ncors-conformance: ran twice because the page failed under them (no verdict came back the first time):\n${this.reruns.map((p) => `  - ${p}`).join('\n')}\n`,
      );
    }
    if (this.problems.length > 0) {
      process.stdout.write(
        `\ncors-conformance: the run is incomplete:\n${this.problems.map((p) => `  - ${p}`).join('\n')}\n`,
      );
      return { status: 'failed' };
    }
    return undefined;
  }
}
