import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadCatalogue, realmWithCatalogue } from '../../scenarios/load.ts';
import { buildServer } from '../../server/build-server.ts';
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
  it('refuses a WPT citation to an unknown behaviour, or to a file not of its behaviour', () => {
    const cite = (behaviour: number, path: string) => ({
      ...good,
      spec: [{ source: 'wpt', behaviour, path, quote: 'Test preflight cache expiration' }],
    });
    assert.deepEqual(problems({ 'demo.json': area([cite(18, 'cors/preflight-cache.htm')]) }), []);
    const found = [
      ...problems({ 'demo.json': area([cite(99, 'cors/preflight-cache.htm')]) }),
      ...problems({ 'demo.json': area([cite(18, 'cors/origin.htm')]) }),
    ];
    assert.match(
      found[0] ?? '',
      /^demo\.json: scenarios\[0\]\.spec\[0\]\.behaviour: is not a behaviour of scenarios\/wpt-behaviours\.ts/,
    );
    assert.match(
      found[1] ?? '',
      /^demo\.json: scenarios\[0\]\.spec\[0\]\.path: is not a file of WPT behaviour 18 \(cors\/preflight-cache\.htm/,
    );
  });
  it('refuses repeatAfterMs without a repeat', () => {
    assert.deepEqual(problems({ 'demo.json': area([{ ...good, repeatAfterMs: 1000 }]) }), [
      'demo.json: scenarios[0].repeatAfterMs: waits before a repeat: give `repeat` 2 or more, or leave it out',
    ]);
  });
  it('refuses fetch() options on an EventSource, naming each', () => {
    const found = problems({
      'demo.json': area([
        {
          ...good,
          request: {
            api: 'event-source',
            method: 'POST',
            headers: { 'X-A': '1' },
            credentials: 'omit',
            mode: 'no-cors',
          },
        },
      ]),
    });
    for (const field of ['method', 'headers', 'credentials', 'mode'])
      assert.ok(
        found.some((p) => p.startsWith(`demo.json: scenarios[0].request.${field}: `)),
        `${field} in\n${found.join('\n')}`,
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
  it('refuses the test environment outside the reference realm, and a Digibee citation off docs.digibee.com', () => {
    const digibee = {
      source: 'digibee',
      url: 'https://example.com/cors',
      title: 'CORS HTTP header',
      quote: 'If you keep this option deactivated, the values will be overridden.',
    };
    assert.deepEqual(problems({ 'demo.json': area([{ ...good, environment: 'test' }]) }), [
      'demo.json: scenarios[0].scope: must be "reference": the test environment is the reference realm\'s (its own host and CORS HTTP header policy)',
    ]);
    assert.deepEqual(problems({ 'demo.json': area([{ ...good, spec: [digibee] }]) }), [
      'demo.json: scenarios[0].spec[0].url: must be a page of docs.digibee.com',
    ]);
    assert.deepEqual(
      problems({
        'demo.json': area([
          {
            ...good,
            environment: 'test',
            scope: 'reference',
            spec: [{ ...digibee, url: 'https://docs.digibee.com/x' }],
          },
        ]),
      }),
      [],
    );
  });
  it('refuses a record without a citation', () => {
    assert.deepEqual(problems({ 'demo.json': area([{ ...good, spec: [] }]) }), [
      'demo.json: scenarios[0].spec: needs at least one citation (a Fetch standard anchor, the seed or a Digibee page)',
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

describe('families and inline server answers', () => {
  const psServer = {
    trigger: 'rest',
    methods: ['GET', 'PUT', 'OPTIONS'],
    cors: { allowOrigin: '*', allowMethods: ['PUT'] },
  };
  const statusCase = (status: number) => ({
    slug: `status-${status}`,
    description: `A preflight answered ${status} with every CORS header is judged by its status alone.`,
    server: { quirks: { preflightStatus: status } },
    expect: status < 300 ? { verdict: 'allowed', status: 200 } : { verdict: 'blocked', stage: 'preflight' },
  });
  const family = {
    family: 'One PUT whose preflight is answered with each status',
    spec: good.spec,
    server: psServer,
    scope: 'reference',
    request: { method: 'PUT' },
    cases: [statusCase(200), { ...statusCase(500), wire: [{ method: 'OPTIONS', status: 500 }] }],
  };
  const { pipeline: _pipeline, ...noPipeline } = good;
  const load = (files: Record<string, unknown>) => loadCatalogue(realm, catalogueDir(files));

  it('expands a family where it stands into one entry per case, each with its own id', () => {
    const { scenarios, areas, pipelines } = load({ 'demo.json': area([good, family]) });
    assert.deepEqual(
      scenarios.map((s) => [s.id, s.pipeline, s.request.method, s.scope, s.spec.length]),
      [
        ['demo/get', 'public-catalog', 'GET', 'endpoint', 1],
        ['demo/status-200', 'demo--status-200', 'PUT', 'reference', 1],
        ['demo/status-500', 'demo--status-500', 'PUT', 'reference', 1],
      ],
    );
    assert.deepEqual(
      scenarios.map((s) => [s.expect?.verdict, s.wire?.length]),
      [
        ['allowed', undefined],
        ['allowed', undefined],
        ['blocked', 1],
      ],
    );
    assert.deepEqual(areas, [{ area: 'demo', title: 'Demo area', file: areas[0]?.file, count: 3 }]);
    // The family's answer with each case's quirks merged in, named after the case.
    assert.deepEqual(
      pipelines.map((p) => [p.name, p.trigger, p.methods, p.cors, p.quirks]),
      [200, 500].map((status) => [
        `demo--status-${status}`,
        'rest',
        psServer.methods,
        psServer.cors,
        { preflightStatus: status },
      ]),
    );
  });

  it('serves the pipelines built from inline answers once they join the realm', async () => {
    const catalogue = load({ 'demo.json': area([good, family]) });
    const served = realmWithCatalogue(realm, catalogue);
    assert.equal(served.pipelines.length, realm.pipelines.length + 2);
    const app = buildServer(served);
    const url = (name: string) => `/pipeline/reference/v1/${name}?cors-conformance=t`;
    const origin = 'https://app.example.test';
    const preflight = { origin, 'access-control-request-method': 'PUT' };
    try {
      const ok = await app.inject({ method: 'OPTIONS', url: url('demo--status-200'), headers: preflight });
      assert.equal(ok.statusCode, 200);
      assert.equal(ok.headers['access-control-allow-methods'], 'PUT');
      const refused = await app.inject({
        method: 'OPTIONS',
        url: url('demo--status-500'),
        headers: preflight,
      });
      assert.equal(refused.statusCode, 500);
      const put = await app.inject({ method: 'PUT', url: url('demo--status-500'), headers: { origin } });
      assert.equal(put.statusCode, 200);
      assert.equal(put.headers['access-control-allow-origin'], '*');
      assert.deepEqual(put.json(), { pipeline: 'demo--status-500', trigger: 'rest', method: 'PUT' });
    } finally {
      await app.close();
    }
  });

  it('lets an inline answer extend a realm pipeline: objects merge key by key, the rest replaces', () => {
    const record = {
      ...noPipeline,
      id: 'demo/apikey-on-preflight',
      expect: { verdict: 'blocked', stage: 'preflight' },
      server: {
        extends: 'cors-example',
        methods: ['GET', 'OPTIONS', 'HEAD'],
        cors: { allowHeaders: ['apikey'] },
        quirks: { preflightStatus: 401 },
      },
    };
    const [built] = load({ 'demo.json': area([record]) }).pipelines;
    const base = realm.pipelines.find((p) => p.name === 'cors-example');
    assert.deepEqual(built, {
      ...base,
      name: 'demo--apikey-on-preflight',
      methods: ['GET', 'OPTIONS', 'HEAD'],
      cors: { ...base?.cors, allowHeaders: ['apikey'] },
      quirks: { preflightStatus: 401 },
    });
    assert.deepEqual(
      problems({ 'demo.json': area([{ ...record, server: { ...record.server, extends: 'nope' } }]) }).map(
        (p) => p.split(' (has:')[0],
      ),
      ['demo.json: scenarios[0].server.extends: "nope" is not a pipeline of realm "reference"'],
    );
  });

  it('refuses a record with both `pipeline` and `server`, or neither, naming the file and the field', () => {
    const found = problems({
      'demo.json': area([
        { ...good, id: 'demo/both', server: psServer },
        { ...noPipeline, id: 'demo/neither' },
        { ...family, cases: [{ ...statusCase(200), pipeline: 'public-catalog' }, statusCase(500)] },
        {
          ...family,
          server: undefined,
          cases: [
            { ...statusCase(201), server: undefined },
            { ...statusCase(501), server: { ...psServer, quirks: { preflightStatus: 501 } } },
          ],
        },
      ]),
    });
    assert.deepEqual(found, [
      'demo.json: scenarios[0].server: "pipeline" and "server" are both given: give one, a realm pipeline\'s name or the answer inline',
      'demo.json: scenarios[1].pipeline: is missing: name a pipeline of the realm ("pipeline") or state the answer inline ("server")',
      'demo.json: scenarios[2].cases[0].pipeline: "pipeline" and "server" are both given: give one, a realm pipeline\'s name or the answer inline',
      'demo.json: scenarios[3].cases[0].pipeline: is missing: name a pipeline of the realm ("pipeline") or state the answer inline ("server")',
    ]);
  });

  it('refuses a case whose id another record already has, naming its slug', () => {
    const found = problems({
      'demo.json': area([good, { ...family, cases: [{ ...statusCase(200), slug: 'get' }, statusCase(500)] }]),
      'more.json': area([{ ...family, cases: [statusCase(500), statusCase(500)] }], 'more'),
    });
    assert.equal(found.length, 2, found.join('\n'));
    assert.match(
      found[0] ?? '',
      /^demo\.json: scenarios\[1\]\.cases\[0\]\.slug: "demo\/get" is already used in .*demo\.json$/,
    );
    assert.match(
      found[1] ?? '',
      /^more\.json: scenarios\[0\]\.cases\[1\]\.slug: "more\/status-500" is already used in .*more\.json$/,
    );
  });

  it('names the field where it is written: in the case, or once in the family', () => {
    const found = problems({
      'demo.json': area([
        {
          ...family,
          request: { method: 'TRACE' },
          cases: [statusCase(200), { ...statusCase(500), expect: { verdict: 'maybe' } }],
        },
        { ...family, family: 'short', cases: [{ slug: 'Bad Slug' }] },
      ]),
    });
    assert.equal(
      found.filter((p) => p.startsWith('demo.json: scenarios[0].request.method: ')).length,
      1,
      found.join('\n'),
    );
    assert.ok(
      found.some((p) => p.startsWith('demo.json: scenarios[0].cases[1].expect.verdict: ')),
      found.join('\n'),
    );
    for (const field of ['scenarios[1].family', 'scenarios[1].cases', 'scenarios[1].cases[0].slug'])
      assert.ok(
        found.some((p) => p.startsWith(`demo.json: ${field}: `)),
        `${field} in\n${found.join('\n')}`,
      );
  });

  it('refuses an inline pipeline named like one of the realm, in the loader and in the combined realm', () => {
    const clashing = {
      ...realm,
      pipelines: [
        ...realm.pipelines,
        { ...psServer, name: 'demo--status-200', major: 1, responseHeaders: {} },
      ],
    } as typeof realm;
    const dir = catalogueDir({ 'demo.json': area([family]) });
    assert.throws(
      () => loadCatalogue(clashing, dir),
      (error: InputError) =>
        error.problems.some(
          (p) =>
            p.field === 'scenarios[0].cases[0].slug' &&
            p.message ===
              'names its inline pipeline "demo--status-200", as realm "reference" does: rename one',
        ),
    );
    // The combined realm is checked as a realm (unique names): the problem names the record's answer.
    assert.throws(
      () => realmWithCatalogue(clashing, loadCatalogue(realm, dir)),
      (error: InputError) =>
        error.problems.some(
          (p) =>
            p.file.endsWith('demo.json') &&
            p.field === 'scenarios[0].cases[0].server' &&
            /builds pipeline "demo--status-200", whose name duplicates pipelines\[\d+\]/.test(p.message),
        ),
    );
  });

  it('serves every scenario of the shipped catalogue from the run realm', () => {
    const inputs = readInputs({});
    const names = new Set(inputs.realm.pipelines.map((p) => p.name));
    for (const scenario of inputs.catalogue.scenarios) assert.ok(names.has(scenario.pipeline), scenario.id);
    assert.equal(
      inputs.realm.pipelines.length,
      loadRealm().pipelines.length + inputs.catalogue.pipelines.length,
    );
  });
});
