import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CatalogueEntry } from '../../scenarios/load.ts';
import { Scenario } from '../../scenarios/schema.ts';
import type { EnginePage, FetchOutcome, FetchSpec } from '../../src/engines/session.ts';
import { assertExpectation } from '../../src/run/expectation.ts';
import { runScenario } from '../../src/run/run-scenario.ts';
import type { WireExchange } from '../../src/wire/exchange.ts';
import { fakeEngine, fakeTarget } from './fakes.ts';

/**
 * The runner with a fake engine page and a fake wire: what the runner makes of each fetch, without a
 * browser. Each fake fetch returns its scripted page outcome and leaves its scripted exchanges.
 */

const PAGE_ORIGIN = 'https://app.example.test';

type Scripted = { outcome: FetchOutcome; wire: Array<Omit<WireExchange, 'seq' | 'url'>> };

function fakeRun(scripts: Scripted[]) {
  const sent: FetchSpec[] = [];
  let pending: WireExchange[] = [];
  let seq = 0;
  const page: EnginePage = {
    origin: PAGE_ORIGIN,
    reportsCorsMessages: false,
    async fetch(spec) {
      const script = scripts[sent.length];
      sent.push(spec);
      if (!script) throw new Error(`fetch ${sent.length} was not scripted`);
      pending = script.wire.map((e) => ({ ...e, seq: ++seq, url: spec.url }));
      return script.outcome;
    },
    async fetchAll() {
      throw new Error('these unit tests run one scenario at a time');
    },
    async takeMessages() {
      return [];
    },
    async close() {},
  };
  const wireOf = async () => {
    const wire = pending;
    pending = [];
    return wire;
  };
  /** The runner on `entry` with this fake page and wire. */
  const run = (entry: CatalogueEntry) => runScenario(entry, engine, page, target, wireOf);
  return { sent, run };
}

const target = fakeTarget;
const engine = fakeEngine;

function scenario(fields: Record<string, unknown>): CatalogueEntry {
  return {
    ...Scenario.parse({
      id: 'unit/fake',
      description: 'A scenario run against a fake engine page.',
      spec: [{ source: 'fetch', anchor: 'concept-cors-check', quote: 'If origin is null, return failure.' }],
      pipeline: 'fake',
      request: { method: 'PUT' },
      ...fields,
    }),
    file: 'tests/unit/run-scenario.test.ts',
    area: 'unit',
  };
}

const preflight = (status: number, headers: Array<[string, string]>) => ({
  method: 'OPTIONS',
  requestHeaders: [['Access-Control-Request-Method', 'PUT'] as [string, string]],
  status,
  responseHeaders: headers,
});
const put = (status: number, headers: Array<[string, string]>) => ({
  method: 'PUT',
  requestHeaders: [],
  status,
  responseHeaders: headers,
});
const ALLOWING: Array<[string, string]> = [
  ['access-control-allow-origin', '*'],
  ['access-control-allow-methods', 'PUT'],
];
const resolved = (status: number): FetchOutcome => ({
  kind: 'resolved',
  status,
  type: 'cors',
  redirected: false,
  url: '',
  headers: [],
  bodyBytes: 0,
  ms: 3,
});
const rejected: FetchOutcome = { kind: 'rejected', name: 'TypeError', message: 'Failed to fetch', ms: 3 };

/** The assertion's failure message, or null when it passes. */
function failureOf(run: Awaited<ReturnType<typeof runScenario>>): string | null {
  try {
    assertExpectation(run);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

describe('the runner, with a fake engine page', () => {
  it('repeat: a failure in fetch 2 names fetch 2 with its own verdict and reading', async () => {
    const fake = fakeRun([
      { outcome: resolved(200), wire: [preflight(204, ALLOWING), put(200, ALLOWING)] },
      { outcome: rejected, wire: [preflight(500, [])] },
    ]);
    const run = await fake.run(scenario({ repeat: 2, expect: { verdict: 'allowed', status: 200 } }));
    const message = failureOf(run);
    assert.ok(message, 'the second fetch fails the scenario');
    assert.match(message, /fetch 2 of 2/);
    assert.match(message, /the engine blocked at the preflight/);
    assert.match(message, /oracle: blocked at the preflight: the preflight was answered 500/);
    assert.doesNotMatch(message, /the engine allowed/, "fetch 1's verdict is not fetch 2's");
  });
});

describe('an exchange still open when the wire is read', () => {
  it('is never a CORS verdict: unreachable, with the request that got no answer', async () => {
    const fake = fakeRun([
      {
        outcome: rejected,
        wire: [
          preflight(204, ALLOWING),
          { method: 'PUT', requestHeaders: [], status: null, responseHeaders: [] },
        ],
      },
    ]);
    const run = await fake.run(scenario({ expect: { verdict: 'blocked', stage: 'response' } }));
    const message = failureOf(run);
    assert.ok(message, 'a scenario that expects a CORS block does not pass on an unanswered request');
    assert.doesNotMatch(message, /the engine blocked/);
    assert.match(message, /unreachable \(no-answer\)/);
  });
});

describe('the runner keeps each fetch apart', () => {
  it('before: the setup wire is recorded apart, and only the scenario fetch is judged', async () => {
    const fake = fakeRun([
      { outcome: rejected, wire: [preflight(500, [])] },
      { outcome: resolved(200), wire: [preflight(204, ALLOWING), put(200, ALLOWING)] },
    ]);
    const run = await fake.run(
      scenario({ before: [{ method: 'DELETE' }], expect: { verdict: 'allowed', status: 200 } }),
    );
    assert.deepEqual(
      fake.sent.map((s) => s.method),
      ['DELETE', 'PUT'],
    );
    assert.deepEqual(
      run.setup.map((e) => e.status),
      [500],
    );
    assert.equal(run.fetches.length, 1);
    assert.deepEqual(run.fetches[0]?.verdict, { verdict: 'allowed', status: 200, readable: [] });
    assert.equal(failureOf(run), null);
  });

  it('a recorded divergence is what the engine is held to, and a change in the engine still fails', async () => {
    const diverging = scenario({
      expect: { verdict: 'allowed', status: 200 },
      divergences: {
        chromium: {
          expect: { verdict: 'blocked', stage: 'preflight' },
          note: 'Chromium refuses this preflight answer, unlike the standard.',
          backends: ['system-chromium'],
        },
      },
    });
    const blocked = fakeRun([{ outcome: rejected, wire: [preflight(204, ALLOWING)] }]);
    const run = await blocked.run(diverging);
    assert.equal(run.expected.knownDivergence, 'unit/fake in chromium');
    assert.equal(failureOf(run), null);
    const allowed = fakeRun([
      { outcome: resolved(200), wire: [preflight(204, ALLOWING), put(200, ALLOWING)] },
    ]);
    const changed = await allowed.run(diverging);
    assert.match(failureOf(changed) ?? '', /expected blocked at the preflight; got allowed/);
  });

  it('an unreachable target is unreachable with its cause, never blocked', async () => {
    const fake = fakeRun([
      {
        outcome: rejected,
        wire: [{ ...preflight(502, []), failure: 'passthrough-error:ECONNREFUSED' }],
      },
    ]);
    const run = await fake.run(scenario({ expect: { verdict: 'blocked', stage: 'preflight' } }));
    assert.equal(run.fetches[0]?.verdict.verdict, 'unreachable');
    assert.match(failureOf(run) ?? '', /got unreachable \(connection-refused\)/);
  });
});

describe('what the new request fields make of a run', () => {
  it('repeatAfterMs waits before each repeat', async () => {
    const fake = fakeRun([
      { outcome: resolved(200), wire: [preflight(204, ALLOWING), put(200, ALLOWING)] },
      { outcome: resolved(200), wire: [preflight(204, ALLOWING), put(200, ALLOWING)] },
    ]);
    const started = Date.now();
    await fake.run(scenario({ repeat: 2, repeatAfterMs: 300, expect: { verdict: 'allowed', status: 200 } }));
    assert.ok(Date.now() - started >= 290, 'the second fetch waited');
  });
  it('an EventSource, which reads no headers, is held to its verdict and status alone', async () => {
    const get = (headers: Array<[string, string]>) => ({
      method: 'GET',
      requestHeaders: [['Accept', 'text/event-stream'] as [string, string]],
      status: 200,
      responseHeaders: headers,
    });
    const stream: Array<[string, string]> = [
      ['access-control-allow-origin', '*'],
      ['content-type', 'text/event-stream'],
    ];
    const fake = fakeRun([{ outcome: resolved(200), wire: [get(stream)] }]);
    const run = await fake.run(
      scenario({
        request: { api: 'event-source', method: 'GET' },
        expect: { verdict: 'allowed', status: 200 },
      }),
    );
    assert.equal(fake.sent[0]?.api, 'event-source');
    assert.equal(run.fetches[0]?.divergence, null);
    // A fetch() reading the same answer would read content-type: its absence is a divergence there.
    const fetched = await fakeRun([{ outcome: resolved(200), wire: [get(stream)] }]).run(
      scenario({ request: { method: 'GET' }, expect: { verdict: 'allowed', status: 200 } }),
    );
    assert.match(fetched.fetches[0]?.divergence ?? '', /content-type/);
  });
  it('a wire step states request headers by value, null for absent, and a wrong value fails', async () => {
    const asked = (value: string) => ({
      ...preflight(204, ALLOWING),
      requestHeaders: [
        ['Access-Control-Request-Method', 'PUT'],
        ['Access-Control-Request-Headers', value],
      ] as Array<[string, string]>,
    });
    const wire = [
      {
        method: 'OPTIONS',
        headers: { 'access-control-request-headers': 'x-a,x-b', referer: null },
      },
      { method: 'PUT' },
    ];
    const good = await fakeRun([
      { outcome: resolved(200), wire: [asked('x-a,x-b'), put(200, ALLOWING)] },
    ]).run(scenario({ expect: { verdict: 'allowed', status: 200 }, wire }));
    assert.equal(failureOf(good), null);
    const unsorted = await fakeRun([
      { outcome: resolved(200), wire: [asked('x-b,x-a'), put(200, ALLOWING)] },
    ]).run(scenario({ expect: { verdict: 'allowed', status: 200 }, wire }));
    assert.match(failureOf(unsorted) ?? '', /what reached the server/);
  });
});
