import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { chromium, firefox, webkit } from '@playwright/test';
import { buildServer } from '../server/build-server.ts';
import { backendPreference, describeBackend, resolveBackend } from '../src/engines/backends.ts';
import { launchEngine } from '../src/engines/launch.ts';
import { pagesThrough } from '../src/engines/pages.ts';
import { ENGINES, type Engine, type UsableBackend } from '../src/engines/session.ts';
import { loadInputs } from '../src/input/inputs.ts';
import { runScenario } from '../src/run/run-scenario.ts';
import { createTarget } from '../src/run/target.ts';
import { proxyOptionsOf } from '../src/wire/proxy-options.ts';
import { startRecordingProxy } from '../src/wire/recording-proxy.ts';

/**
 * `npm run bench`: where a run's time goes, per engine, measured in one process so that ratios compare
 * like with like on a noisy machine. Medians over ROUNDS (default 3) rounds of: engine launch, opening
 * the test page (a fresh context or WebDriver session), and FETCHES (default 25) scenario runs on that
 * page (each with its own URL, wire read back, oracle and messages). Then what a catalogue costs with
 * one page per worker (what the suite does) against a fresh page per scenario.
 *
 * Then the suite itself, timed as a user runs it (`npx playwright test`, in a child process), against
 * floors measured in the same run, so that the ratios compare like with like:
 * - the catalogue in each engine (tests/conformance.spec.ts, --project=<engine>) against its floor:
 *   the engine launched, then every scenario of the catalogue run once, back to back, in this process,
 *   one page per page origin (catalogueFloor);
 * - a run full of failures against the same run passing, in Chromium: the seed trigger's true policy
 *   (so the same scenarios), against the seed trigger and against a copy of it whose Allow-Origin
 *   names another origin.
 * Each over SUITE_ROUNDS (default 3) rounds, the floor and the run (or the passing and the failing
 * run) in turn, the ratio taken within each round; medians printed. SUITE=0 skips these;
 * ENGINES=chromium,firefox picks engines.
 */
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const FETCHES = Number(process.env.FETCHES ?? 25);
const SUITE_ROUNDS = Number(process.env.SUITE_ROUNDS ?? 3);
/** ENGINES=chromium,webkit: only those (default: all three). */
const benched = (process.env.ENGINES?.split(',') ?? ENGINES).map((name) => {
  if (!(ENGINES as readonly string[]).includes(name))
    throw new Error(`ENGINES: ${name} is not one of ${ENGINES.join(', ')}`);
  return name as (typeof ENGINES)[number];
});
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0
    ? Number.NaN
    : s.length % 2
      ? (s[(s.length - 1) / 2] as number)
      : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};
const timed = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
  const t = performance.now();
  const value = await f();
  return [value, performance.now() - t];
};

const inputs = loadInputs();
const target = createTarget(inputs);
const scenarios = [
  'digibee/example-1-get-allowed',
  'digibee/example-2-extra-header-blocked',
  'simple/get-without-preflight',
].map((id) => {
  const s = inputs.catalogue.scenarios.find((x) => x.id === id);
  if (!s) throw new Error(`${id} is not in the catalogue`);
  return s;
});
const app = buildServer(inputs.realm);
await app.listen({ host: 'localhost', port: 0 });
// As a worker's proxy in reference mode (tests/fixtures.ts).
const proxy = await startRecordingProxy(
  proxyOptionsOf(inputs, `localhost:${(app.server.address() as AddressInfo).port}`),
);
const launch = (backend: UsableBackend): Promise<Engine> =>
  launchEngine(backend, { headless: true, fallback: { chromium, firefox, webkit } });
const preference = backendPreference(process.env.ENGINE_BACKEND);
const catalogueSize = inputs.catalogue.scenarios.length;

console.log(
  `| engine | backend | launch ms | page open ms | page close ms | scenario run ms (median, p90) | catalogue, one page ms | catalogue, page per scenario ms | ratio |`,
);
console.log('|---|---|---|---|---|---|---|---|---|');
for (const name of benched) {
  const backend = resolveBackend(name, preference);
  if (backend.kind === 'unavailable') {
    console.log(`| ${name} | unavailable | | | | | | | |`);
    continue;
  }
  const launches: number[] = [];
  const opens: number[] = [];
  const closes: number[] = [];
  const runs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const [engine, launchMs] = await timed(() => launch(backend));
    launches.push(launchMs);
    const [page, openMs] = await timed(() =>
      engine.openPage(inputs.pageOrigin, { proxyServer: proxy.server }),
    );
    opens.push(openMs);
    for (let i = 0; i < FETCHES; i++) {
      const scenario = scenarios[i % scenarios.length] as (typeof scenarios)[number];
      const [, ms] = await timed(() => runScenario(scenario, engine, page, target, proxy.wire));
      runs.push(ms);
    }
    const [, closeMs] = await timed(() => page.close());
    closes.push(closeMs);
    await engine.close();
  }
  const run = median(runs);
  const p90 = [...runs].sort((a, b) => a - b)[Math.floor(runs.length * 0.9)] ?? Number.NaN;
  const shared = median(launches) + median(opens) + catalogueSize * run;
  const fresh = median(launches) + catalogueSize * (median(opens) + median(closes) + run);
  const r = (x: number) => Math.round(x);
  console.log(
    `| ${name} | ${describeBackend(backend)} | ${r(median(launches))} | ${r(median(opens))} | ${r(median(closes))} | ${r(run)}, ${r(p90)} | ${r(shared)} | ${r(fresh)} | ${(fresh / shared).toFixed(1)}x |`,
  );
}
console.log(
  `\n${ROUNDS} rounds x ${FETCHES} scenario runs per engine; catalogue = ${catalogueSize} scenarios; medians.`,
);

/**
 * The engine's floor for the catalogue: what the engine itself needs to run it, without the test
 * runner. Launch, then every scenario of the catalogue once, back to back, one page per page origin
 * (opened when first needed), each run complete (wire read back, oracle, messages) as in the suite.
 */
async function catalogueFloor(backend: UsableBackend): Promise<number> {
  const started = performance.now();
  const engine = await launch(backend);
  const pages = pagesThrough(engine, proxy.server);
  for (const scenario of inputs.catalogue.scenarios) {
    const page = await pages.get(scenario.pageOrigin ?? inputs.pageOrigin);
    await runScenario(scenario, engine, page, target, proxy.wire);
  }
  const ms = performance.now() - started;
  await pages.closeAll();
  await engine.close();
  return ms;
}

/** Wall time of `npx playwright test ARGS` with `env`, its output kept for the tally. */
async function timedRun(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ ms: number; tally: string }> {
  const started = performance.now();
  // Asynchronously: the seed trigger's server answers from this process.
  const child = spawn('npx', ['playwright', 'test', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  await new Promise((resolve) => child.on('close', resolve));
  const count = (what: string) => new RegExp(`^\\s+(\\d+) ${what}\\b`, 'm').exec(stdout)?.[0].trim();
  return {
    ms: performance.now() - started,
    tally: ['failed', 'flaky', 'passed'].flatMap((w) => count(w) ?? []).join(', '),
  };
}

if (process.env.SUITE !== '0') {
  // Once untimed: the first run after a change compiles the TypeScript (Playwright caches it).
  await timedRun(['--list']);
  const x = (r: number) => `${r.toFixed(2)}x`;
  console.log(`\n| engine | floor ms | catalogue run ms (npx playwright test) | tests | ratio (goal 1.5x) |`);
  console.log('|---|---|---|---|---|');
  for (const name of benched) {
    const backend = resolveBackend(name, preference);
    if (backend.kind === 'unavailable') continue;
    // Floor and run in turn, the ratio taken pair by pair: a drift in the machine's speed moves both.
    const floors: number[] = [];
    const runs: number[] = [];
    const ratios: number[] = [];
    let tally = '';
    for (let round = 0; round < SUITE_ROUNDS; round++) {
      const floor = await catalogueFloor(backend);
      const run = await timedRun(['tests/conformance.spec.ts', `--project=${name}`]);
      floors.push(floor);
      runs.push(run.ms);
      ratios.push(run.ms / floor);
      tally = run.tally;
    }
    console.log(
      `| ${name} | ${Math.round(median(floors))} | ${Math.round(median(runs))} | ${tally} | ${x(median(ratios))} |`,
    );
  }
  // The same run (the seed trigger's true policy, so the same scenarios), against the seed trigger and
  // against a copy of it whose Allow-Origin names another origin: every scenario the policy allows fails.
  const seedOf = async (realm: typeof inputs.realm) => {
    const server = buildServer(realm);
    await server.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}/pipeline/reference/v1/cors-example`;
    return { server, url };
  };
  const seed = await seedOf(inputs.realm);
  const offByOne = await seedOf({
    ...inputs.realm,
    pipelines: inputs.realm.pipelines.map((p) =>
      p.name === 'cors-example'
        ? { ...p, cors: { ...p.cors, allowOrigin: ['https://other.example.test'] } }
        : p,
    ),
  });
  const against = (url: string) =>
    timedRun(['tests/conformance.spec.ts', '--project=chromium'], {
      TARGET_URL: url,
      CORS_POLICY: 'policies/digibee-cors-example.json',
    });
  const passing: number[] = [];
  const failing: number[] = [];
  const ratios: number[] = [];
  const tallies = { passing: '', failing: '' };
  for (let round = 0; round < SUITE_ROUNDS; round++) {
    const pass = await against(seed.url);
    const fail = await against(offByOne.url);
    passing.push(pass.ms);
    failing.push(fail.ms);
    ratios.push(fail.ms / pass.ms);
    tallies.passing = pass.tally;
    tallies.failing = fail.tally;
  }
  console.log('\n| chromium, seed trigger policy | run ms | tests | ratio (goal 1.2x) |');
  console.log('|---|---|---|---|');
  console.log(`| against the seed trigger | ${Math.round(median(passing))} | ${tallies.passing} | |`);
  console.log(
    `| against it with another Allow-Origin | ${Math.round(median(failing))} | ${tallies.failing} | ${x(median(ratios))} |`,
  );
  console.log(`\nMedians over ${SUITE_ROUNDS} rounds (SUITE_ROUNDS); each ratio taken within its round.`);
  await seed.server.close();
  await offByOne.server.close();
}
await proxy.close();
await app.close();
