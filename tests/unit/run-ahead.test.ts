import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CatalogueEntry } from '../../scenarios/load.ts';
import { Scenario } from '../../scenarios/schema.ts';
import type { EnginePage, FetchOutcome, FetchSpec } from '../../src/engines/session.ts';
import { type Chunk, MAX_BATCH, RunAhead } from '../../src/run/run-ahead.ts';
import { fakeEngine, fakeTarget } from './fakes.ts';

/**
 * Fetching ahead with a fake page: which scenarios share a call into the page, that one scenario's
 * error stays its own, and that a page failing under a batch is opened anew once, and said.
 */

const engine = fakeEngine;
const target = fakeTarget;
const OK: FetchOutcome = {
  kind: 'resolved',
  status: 200,
  type: 'cors',
  redirected: false,
  url: '',
  headers: [],
  bodyBytes: 0,
  ms: 1,
};

function entry(id: string, fields: Record<string, unknown> = {}): CatalogueEntry {
  return {
    ...Scenario.parse({
      id: `unit/${id}`,
      description: 'A scenario run ahead against a fake page.',
      spec: [{ source: 'fetch', anchor: 'concept-cors-check', quote: 'If origin is null, return failure.' }],
      pipeline: 'fake',
      request: { method: 'GET' },
      expect: { verdict: 'allowed', status: 200 },
      ...fields,
    }),
    file: 'tests/unit/run-ahead.test.ts',
    area: 'unit',
  };
}

/** A page that records each call into it; `failNext` makes its next fetchAll reject (a dead driver). */
function fakePages() {
  const calls: string[][] = [];
  const opened: string[] = [];
  let failNext = 0;
  const page = (origin: string): EnginePage => ({
    origin,
    reportsCorsMessages: false,
    async fetch(spec: FetchSpec) {
      calls.push([spec.url]);
      return OK;
    },
    async fetchAll(specs: FetchSpec[]) {
      if (failNext > 0) {
        failNext--;
        throw new Error('ECONNREFUSED connect ECONNREFUSED 127.0.0.1:1');
      }
      calls.push(specs.map((s) => s.url));
      return specs.map(() => OK);
    },
    async takeMessages() {
      return [];
    },
    async close() {},
  });
  return {
    calls,
    opened,
    failOnce: () => {
      failNext = 1;
    },
    source: {
      async get(origin: string) {
        opened.push(origin);
        return page(origin);
      },
      async reopen(origin: string) {
        opened.push(`reopen ${origin}`);
        return page(origin);
      },
    },
  };
}

const chunkOf = (scenarios: CatalogueEntry[]): Chunk => ({
  titles: ['unit'],
  target,
  pageOrigin: 'https://app.example.test',
  scenarios,
});
const wireOf = async () => [];
const everySelected = () => true;
const idsIn = (call: string[] | undefined) =>
  (call ?? []).map((url) => /conformance=unit\.([\w-]+)\./.exec(url)?.[1]);

describe('fetching ahead (RunAhead)', () => {
  it('starts the following selected scenarios in one call, and up to the first that must run alone', async () => {
    const pages = fakePages();
    const chunk = chunkOf([entry('a'), entry('b'), entry('c', { repeat: 2 }), entry('d')]);
    const ahead = new RunAhead(engine, pages.source, wireOf, everySelected, MAX_BATCH);
    const first = await ahead.run(chunk, 0);
    assert.equal(first.run.scenario.id, 'unit/a');
    assert.deepEqual(idsIn(pages.calls[0]), ['a', 'b']);
    // b was fetched with a: its test takes that run, nothing is fetched again.
    assert.equal((await ahead.run(chunk, 1)).run.scenario.id, 'unit/b');
    assert.equal(pages.calls.length, 1);
    await ahead.run(chunk, 2);
    assert.equal(pages.calls.length, 3, 'c repeats: two fetches of its own');
  });

  it('fetches nothing the run did not select, and runs a retry by itself', async () => {
    const pages = fakePages();
    const chunk = chunkOf([entry('a'), entry('b'), entry('c')]);
    const ahead = new RunAhead(engine, pages.source, wireOf, (_c, index) => index !== 1, MAX_BATCH);
    await ahead.run(chunk, 0);
    assert.deepEqual(idsIn(pages.calls[0]), ['a', 'c']);
    await ahead.run(chunk, 0, { alone: true });
    assert.equal(pages.calls[1]?.length, 1);
  });

  it("keeps one scenario's error its own: the others of its call still get their runs", async () => {
    const pages = fakePages();
    // No expectation: the record has no `expect` and the target no policy.
    const chunk = chunkOf([entry('a'), entry('broken', { expect: undefined }), entry('c')]);
    const ahead = new RunAhead(engine, pages.source, wireOf, everySelected, MAX_BATCH);
    assert.equal((await ahead.run(chunk, 0)).run.scenario.id, 'unit/a');
    await assert.rejects(ahead.run(chunk, 1), /unit\/broken/);
    assert.equal((await ahead.run(chunk, 2)).run.scenario.id, 'unit/c');
    assert.deepEqual(pages.opened, ['https://app.example.test'], 'no page was reopened for it');
  });

  it('opens a page anew when it fails under a call, runs the call once more, and says so with each run', async () => {
    const pages = fakePages();
    const chunk = chunkOf([entry('a'), entry('b')]);
    const ahead = new RunAhead(engine, pages.source, wireOf, everySelected, MAX_BATCH);
    pages.failOnce();
    const first = await ahead.run(chunk, 0);
    assert.match(first.harnessRerun ?? '', /ECONNREFUSED.*opened anew/);
    assert.deepEqual(pages.opened, ['https://app.example.test', 'reopen https://app.example.test']);
    assert.match((await ahead.run(chunk, 1)).harnessRerun ?? '', /opened anew/);
  });

  it('reopens nothing once the worker is closing', async () => {
    const pages = fakePages();
    const ahead = new RunAhead(engine, pages.source, wireOf, everySelected, MAX_BATCH);
    await ahead.close();
    pages.failOnce();
    await assert.rejects(ahead.run(chunkOf([entry('a')]), 0), /the page failed/);
    assert.deepEqual(pages.opened, ['https://app.example.test']);
  });
});
