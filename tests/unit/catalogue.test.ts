import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadCatalogue } from '../../scenarios/load.ts';
import { loadRealm } from '../../server/realm.ts';
import { outcomeOfReading } from '../../src/fetch-standard/oracle.ts';
import { InputError } from '../../src/input/data-file.ts';
import { DEFAULT_PAGE_ORIGIN, readInputs } from '../../src/input/inputs.ts';
import { differences, type ExpectedOutcome } from '../../src/outcome/outcome.ts';
import { expectFromPolicy, type Policy } from '../../src/policy/policy.ts';
import { expectationFor } from '../../src/run/expectation.ts';
import { fetchSpec, oracleRequest } from '../../src/run/run-scenario.ts';
import { createTarget } from '../../src/run/target.ts';

const realm = loadRealm();

const good = {
  id: 'demo/get',
  description: 'A GET with safelisted headers goes out without a preflight.',
  spec: [
    {
      source: 'fetch',
      anchor: 'cors-safelisted-method',
      quote: 'A CORS-safelisted method is GET, HEAD or POST.',
    },
  ],
  pipeline: 'public-catalog',
  request: { method: 'GET' },
  expect: { verdict: 'allowed' },
};

/** A catalogue directory holding the given files (name -> JSON value or raw text). */
function catalogueDir(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'catalogue-'));
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return dir;
}

function problems(files: Record<string, unknown>): string[] {
  try {
    loadCatalogue(realm, catalogueDir(files));
  } catch (error) {
    assert.ok(error instanceof InputError, String(error));
    return error.problems.map((p) => `${p.file.split('/').pop()}: ${p.field}: ${p.message}`);
  }
  return [];
}

const area = (scenarios: unknown[], name = 'demo') => ({ area: name, title: 'Demo area', scenarios });

describe('the catalogue loader', () => {
  it('loads the shipped catalogue, every id unique and in its area', () => {
    const { scenarios, areas } = loadCatalogue(realm);
    assert.ok(scenarios.length >= 3);
    assert.equal(new Set(scenarios.map((s) => s.id)).size, scenarios.length);
    for (const s of scenarios) assert.ok(s.id.startsWith(`${s.area}/`), s.id);
    assert.equal(
      areas.reduce((n, a) => n + a.count, 0),
      scenarios.length,
    );
  });
  it('accepts a well-formed area file', () => {
    assert.deepEqual(problems({ 'demo.json': area([good]) }), []);
  });
  it('names the file and the field of a schema problem', () => {
    const bad = {
      ...good,
      request: { method: 'GET', headers: { Cookie: 'a=b' } },
      expect: { verdict: 'maybe' },
    };
    const found = problems({ 'demo.json': area([bad]) });
    assert.ok(
      found.some((p) =>
        p.startsWith('demo.json: scenarios[0].request.headers.Cookie: is a forbidden request-header'),
      ),
      found.join('\n'),
    );
    assert.ok(
      found.some((p) => p.startsWith('demo.json: scenarios[0].expect.verdict:')),
      found.join('\n'),
    );
  });
  it('reports invalid JSON with its position', () => {
    const found = problems({ 'demo.json': '{"area": "demo",' });
    assert.equal(found.length, 1);
    assert.match(found[0] ?? '', /^demo\.json: \(file\): invalid JSON/);
  });
  it('refuses duplicate ids across files, ids outside their area, unknown pipelines, "should"', () => {
    const found = problems({
      'demo.json': area([
        good,
        { ...good, id: 'other/x', pipeline: 'nope', description: 'The engine should refuse this request.' },
      ]),
      'more.json': area([{ ...good, id: 'demo/get' }], 'more'),
    });
    const expected = [
      /^demo\.json: scenarios\[1\]\.description: states a wish \("should"\)/,
      /^demo\.json: scenarios\[1\]\.id: "other\/x" is not in area "demo"/,
      /^demo\.json: scenarios\[1\]\.pipeline: "nope" is not a pipeline of realm "reference" \(has: cors-example, /,
      /^more\.json: scenarios\[0\]\.id: "demo\/get" is already used in .*demo\.json$/,
      /^more\.json: scenarios\[0\]\.id: "demo\/get" is not in area "more"/,
    ];
    assert.equal(found.length, expected.length, found.join('\n'));
    for (const pattern of expected)
      assert.ok(
        found.some((p) => pattern.test(p)),
        `${pattern} in\n${found.join('\n')}`,
      );
  });
  it('refuses an area that does not match its file name', () => {
    assert.deepEqual(problems({ 'demo.json': area([good], 'wrong') }), [
      'demo.json: area: is "wrong" but the file is demo.json: name the file wrong.json',
      'demo.json: scenarios[0].id: "demo/get" is not in area "wrong" (expected wrong/<slug>)',
    ]);
  });
  it('refuses a record without a citation', () => {
    assert.deepEqual(problems({ 'demo.json': area([{ ...good, spec: [] }]) }), [
      'demo.json: scenarios[0].spec: needs at least one citation (Fetch standard anchor or the seed)',
    ]);
  });
});

describe('a bad catalogue stops `playwright test` before any browser starts', () => {
  it('exits non-zero naming the file and the field', () => {
    const dir = catalogueDir({
      'demo.json': area([{ ...good, request: { method: 'GET', credentials: 'sometimes' } }]),
    });
    const started = Date.now();
    const run = spawnSync('npx', ['playwright', 'test', '--reporter=line'], {
      env: { ...process.env, SCENARIOS_DIR: dir },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(run.status, 2, run.stderr + run.stdout);
    assert.match(run.stderr, /the input is invalid, nothing was run/);
    assert.match(run.stderr, /demo\.json: scenarios\[0\]\.request\.credentials: /);
    assert.doesNotMatch(run.stdout, /Running \d+ test/);
    assert.ok(Date.now() - started < 30_000);
  });
});

describe('the catalogue agrees with the policies it runs against', () => {
  const { catalogue } = readInputs({});
  const target = createTarget(readInputs({}));
  // Pipelines with quirks have no policy; their records are checked by the engines and the oracle at run time.
  for (const scenario of catalogue.scenarios.filter(
    (s) => s.expect !== undefined && target.policy(s) !== null,
  )) {
    it(`${scenario.id}: the record's expectation is what the pipeline's configuration implies`, () => {
      const request = oracleRequest(
        fetchSpec(scenario, target, 'token'),
        scenario.pageOrigin ?? DEFAULT_PAGE_ORIGIN,
      );
      const derived = expectationFor(scenario, request, target.policy(scenario), false);
      const recorded = expectationFor(scenario, request, null, true);
      // The verdict and the stage: what a policy can say (the record may add a status or headers).
      const stated = (e: ExpectedOutcome): ExpectedOutcome =>
        e.verdict === 'blocked' ? { verdict: 'blocked', stage: e.stage } : { verdict: e.verdict };
      const reading = outcomeOfReading(expectFromPolicy(target.policy(scenario)?.policy as Policy, request));
      assert.ok(reading, 'a policy always yields a judgement');
      assert.deepEqual(differences(stated(recorded.outcome), reading), [], derived.because);
      if (recorded.wire && derived.wire)
        assert.deepEqual(
          recorded.wire.map((w) => w.method),
          derived.wire?.map((w) => w.method),
        );
    });
  }
});

describe('the catalogue measures up', () => {
  const { catalogue } = readInputs({});
  it('holds at least 150 scenarios across at least 20 areas (npm run catalogue -- --counts)', () => {
    assert.ok(catalogue.scenarios.length >= 150, `${catalogue.scenarios.length} scenarios`);
    assert.ok(catalogue.areas.length >= 20, `${catalogue.areas.length} areas`);
  });
  it('cites the Fetch standard or the seed in every record, and states every divergence with its backends', () => {
    for (const scenario of catalogue.scenarios) {
      assert.ok(scenario.spec.length > 0, scenario.id);
      for (const [engine, divergence] of Object.entries(scenario.divergences ?? {})) {
        assert.ok(divergence.note.length > 20 && divergence.backends.length > 0, `${scenario.id} ${engine}`);
      }
    }
  });
  it('has a clean and a flawed profile for each misconfiguration the misconfig area probes', async () => {
    const { readdirSync } = await import('node:fs');
    const profiles = readdirSync('server/realms/flaws').filter((f) => f.endsWith('.json'));
    assert.ok(profiles.length >= 11, profiles.join(', '));
    for (const file of profiles) assert.ok(loadRealm(`server/realms/flaws/${file}`).flaw, file);
  });
});
