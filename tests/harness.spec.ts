import type { CatalogueEntry } from '../scenarios/load.ts';
import { Scenario } from '../scenarios/schema.ts';
import type { EnginePage } from '../src/engines/session.ts';
import { loadInputs } from '../src/input/inputs.ts';
import { differences, type UnreachableCause } from '../src/outcome/outcome.ts';
import { Policy } from '../src/policy/policy.ts';
import { runWireTranscript, summary } from '../src/report/transcript.ts';
import { runScenario, wireOfRun } from '../src/run/run-scenario.ts';
import { EndpointTarget } from '../src/run/target.ts';
import { type RecordingProxy, startRecordingProxy } from '../src/wire/recording-proxy.ts';
import { type Faults, startFaults } from './fixtures/faults.ts';
import { test as base, expect } from './fixtures.ts';

/**
 * The harness proves itself in each engine: what is not CORS must never read as CORS. Each fault
 * sits behind its own host name on a recording proxy of its own.
 */
const test = base.extend<object, { faults: Faults; faultProxy: RecordingProxy; faultPage: EnginePage }>({
  faults: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern.
    async ({}, use) => {
      const faults = await startFaults();
      await use(faults);
      await faults.close();
    },
    { scope: 'worker' },
  ],
  faultProxy: [
    async ({ faults, inputs }, use) => {
      const proxy = await startRecordingProxy({
        pageOrigins: [inputs.pageOrigin],
        upstreams: faults.upstreams,
      });
      await use(proxy);
      await proxy.close();
    },
    { scope: 'worker' },
  ],
  faultPage: [
    async ({ engine, faultProxy, inputs }, use) => {
      const page = await engine.openPage(inputs.pageOrigin, { proxyServer: faultProxy.server });
      await use(page);
      await page.close();
    },
    { scope: 'worker', timeout: 60_000 },
  ],
});

const simpleGet: CatalogueEntry = {
  ...Scenario.parse({
    id: 'harness/simple-get',
    description: 'A simple GET that any CORS-enabled endpoint allows.',
    spec: [
      { source: 'fetch', anchor: 'concept-cors-check', quote: 'If origin is null, then return failure.' },
    ],
    pipeline: 'public-catalog',
    request: { method: 'GET' },
  }),
  file: 'tests/harness.spec.ts',
  area: 'harness',
};
const policy = Policy.parse({ allowOrigin: '*', methods: ['GET', 'OPTIONS'] });

/** One of the faults as the endpoint under test. */
const faultTarget = (url: string, page: EnginePage) =>
  new EndpointTarget({
    name: null,
    url: new URL(url),
    policy,
    policyFile: '(harness)',
    credential: undefined,
    pageOrigin: page.origin,
    scenarios: [],
    keyless: 0,
  });

const cases: Array<{ name: string; url: keyof Faults['urls']; cause: UnreachableCause }> = [
  { name: 'closed-port', url: 'connectionRefused', cause: 'connection-refused' },
  { name: 'unknown-host', url: 'unknownHost', cause: 'unknown-host' },
  { name: 'tls-failure', url: 'tls', cause: 'tls' },
  { name: 'gateway-502', url: 'gateway', cause: 'gateway-error' },
  { name: 'proxy-refuses-host', url: 'notUnderTest', cause: 'proxy-refused' },
  { name: 'timeout', url: 'hang', cause: 'timeout' },
];

for (const { name, url, cause } of cases) {
  test(`harness/${name}-is-unreachable-not-blocked`, async ({ engine, faults, faultProxy, faultPage }) => {
    const target = faultTarget(faults.urls[url], faultPage);
    const run = await runScenario(simpleGet, engine, faultPage, target, faultProxy.wire, {
      timeoutMs: 2_000,
    });
    await test.info().attach('summary', { body: summary(run, engine, target), contentType: 'text/plain' });
    await test.info().attach('wire', { body: runWireTranscript(run), contentType: 'text/plain' });
    const [fetch] = run.fetches;
    expect(
      fetch && differences({ verdict: 'unreachable', cause }, fetch.verdict),
      'a failure to reach the server is never reported as a CORS verdict',
    ).toEqual([]);
  });
}

/**
 * The proxy adds no failure of its own. A server closes an idle kept-alive connection when its
 * keep-alive timeout ends (Node's after 5 s), and a request sent on it at that moment is reset. An
 * engine talking to the server sends it again on a new connection; the proxy's own connections to the
 * server must not turn that moment into "unreachable" (seen once in a run against Express + cors).
 */
test('harness/server-dropping-a-kept-alive-connection-is-not-unreachable', async ({
  engine,
  faults,
  faultProxy,
  faultPage,
}) => {
  const target = faultTarget(faults.urls.dropsReused, faultPage);
  for (let i = 1; i <= 3; i++) {
    const run = await runScenario(simpleGet, engine, faultPage, target, faultProxy.wire);
    const [fetch] = run.fetches;
    expect(
      fetch && differences({ verdict: 'allowed', status: 200, readable: [] }, fetch.verdict),
      `fetch ${i} of 3 over the same page: ${runWireTranscript(run)}`,
    ).toEqual([]);
  }
});

/**
 * The recording proxy is the wire every verdict rests on: against the reference realm, what it
 * recorded for a scenario is what the server itself logged (methods, statuses, CORS headers).
 */
if (loadInputs().endpoints.length === 0) {
  test('harness/recorder-agrees-with-server-log', async ({
    engine,
    pages,
    target,
    recorder,
    referenceServer,
    inputs,
  }) => {
    const corsHeaders = (headers: Array<[string, string]>) =>
      headers
        .filter(([n]) => n.toLowerCase().startsWith('access-control-'))
        .map(([n, v]) => `${n.toLowerCase()}: ${v}`);
    for (const id of [
      'digibee/example-1-get-allowed',
      'digibee/example-2-extra-header-blocked',
      'digibee/example-3-post-not-configured',
    ]) {
      const scenario = inputs.catalogue.scenarios.find((s) => s.id === id);
      if (!scenario) throw new Error(`${id} is missing from the catalogue`);
      const run = await runScenario(
        scenario,
        engine,
        await pages.get(inputs.pageOrigin),
        target,
        recorder.wire,
      );
      const logged = referenceServer?.log.read(run.token) ?? [];
      expect(
        wireOfRun(run).map((e) => ({
          method: e.method,
          status: e.status,
          cors: corsHeaders(e.responseHeaders),
        })),
        `${id}: the recording proxy's wire is the server's own log`,
      ).toEqual(
        logged.map((e) => ({ method: e.method, status: e.status, cors: corsHeaders(e.responseHeaders) })),
      );
      expect(wireOfRun(run).length).toBeGreaterThan(0);
    }
  });
}
