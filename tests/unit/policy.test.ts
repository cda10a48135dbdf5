import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadRealm, policyOfPipeline } from '../../server/realm.ts';
import type { OracleRequest } from '../../src/fetch-standard/oracle.ts';
import type { HeaderList } from '../../src/fetch-standard/rules.ts';
import { expectFromPolicy, Policy, simulate } from '../../src/policy/policy.ts';
import { ORIGIN, request } from './requests.ts';

const policy = (fields: Record<string, unknown>) => Policy.parse({ methods: ['GET', 'OPTIONS'], ...fields });
const verdict = (p: Policy, r: OracleRequest) => {
  const reading = expectFromPolicy(p, r);
  return reading.verdict === 'blocked' ? `${reading.stage}:${reading.reason.code}` : reading.verdict;
};
const SEED = policy({
  allowOrigin: '*',
  allowMethods: ['GET'],
  allowHeaders: ['Authorization', 'Content-Type', 'apikey'],
  apiKey: 'demo-key',
});
const withApiKey: HeaderList = [
  ['Content-Type', 'application/json'],
  ['apikey', 'demo-key'],
];

describe('the policy file schema', () => {
  it('needs the methods the endpoint serves', () => {
    const result = Policy.safeParse({ allowOrigin: '*' });
    assert.equal(result.success, false);
    assert.deepEqual(
      result.error?.issues.map((i) => i.path.join('.')),
      ['methods'],
    );
  });
  it('refuses an origin with a path or trailing slash, and unknown fields', () => {
    const result = Policy.safeParse({
      allowOrigin: ['https://app.example.com/'],
      methods: ['GET'],
      allowOrigins: '*',
    });
    assert.deepEqual(result.error?.issues.map((i) => i.path.join('.')).sort(), ['', 'allowOrigin.0']);
  });
  it('ships an example for the seed trigger that parses', async () => {
    const { readJsonFile } = await import('../../src/input/data-file.ts');
    assert.deepEqual(readJsonFile('policies/digibee-cors-example.json', Policy), SEED);
  });
});

describe('expectations from a policy (seed trigger)', () => {
  it('example 1: allowed', () => assert.equal(verdict(SEED, request({ headers: withApiKey })), 'allowed'));
  it('example 2: refused at the preflight for `test`', () =>
    assert.equal(
      verdict(SEED, request({ headers: [...withApiKey, ['test', '1']] })),
      'preflight:header-not-allowed',
    ));
  it('example 3: POST not served, 404 without CORS: blocked at the response', () =>
    assert.equal(
      verdict(SEED, request({ method: 'POST', headers: withApiKey })),
      'response:allow-origin-missing',
    ));
  it('example 3 with CORS headers on the 404 (corsOnErrors: [404]): the page reads the 404', () =>
    assert.equal(
      verdict({ ...SEED, corsOnErrors: [404] }, request({ method: 'POST', headers: withApiKey })),
      'allowed',
    ));
});

describe('simulate: what a server configured so answers', () => {
  it('answers the preflight 204 with the preflight headers when it serves OPTIONS', () => {
    const wire = simulate(SEED, request({ headers: withApiKey }));
    assert.deepEqual(wire.preflight, {
      status: 204,
      headers: [
        ['access-control-allow-origin', '*'],
        ['access-control-allow-methods', 'GET'],
        ['access-control-allow-headers', 'Authorization, Content-Type, apikey'],
      ],
    });
  });
  it('answers a preflight 404 without CORS headers when it does not serve OPTIONS', () => {
    const noOptions = { ...SEED, methods: ['GET'] };
    assert.deepEqual(simulate(noOptions, request({ headers: withApiKey })).preflight, {
      status: 404,
      headers: [],
    });
    assert.equal(verdict(noOptions, request({ headers: withApiKey })), 'preflight:preflight-status-not-ok');
  });
  it('echoes a listed origin with Vary: Origin, and sends no Allow-Origin to others', () => {
    const listed = policy({ allowOrigin: [ORIGIN, 'https://partner.example.com'] });
    assert.deepEqual(simulate(listed, request()).actual?.headers, [
      ['vary', 'Origin'],
      ['access-control-allow-origin', ORIGIN],
    ]);
    assert.equal(verdict(listed, request()), 'allowed');
    assert.equal(
      verdict(listed, request({ origin: 'https://evil.example' })),
      'response:allow-origin-missing',
    );
  });
});

describe('credentials under a policy', () => {
  const include = request({ credentials: 'include' });
  it('`*` never serves a request with credentials', () =>
    assert.equal(
      verdict(policy({ allowOrigin: '*', allowCredentials: true }), include),
      'response:allow-origin-wildcard-with-credentials',
    ));
  it('a listed origin needs allowCredentials', () => {
    assert.equal(verdict(policy({ allowOrigin: [ORIGIN] }), include), 'response:allow-credentials-not-true');
    assert.equal(verdict(policy({ allowOrigin: [ORIGIN], allowCredentials: true }), include), 'allowed');
  });
});

describe('the reference realm seen as policies', () => {
  const realm = loadRealm();
  const pipeline = (name: string) => {
    const found = realm.pipelines.find((p) => p.name === name);
    assert.ok(found, name);
    return found;
  };
  it('cors-example is the seed policy', () => {
    assert.deepEqual(policyOfPipeline(realm, pipeline('cors-example')), {
      ...SEED,
      maxAge: undefined,
      unauthorizedStatus: 401,
      corsOnErrors: [401],
    });
  });
  it('inventory takes Allow-Headers from the pipeline and the rest from the realm', () => {
    const p = policyOfPipeline(realm, pipeline('inventory'));
    assert.deepEqual(
      [p?.allowOrigin, p?.allowMethods, p?.allowHeaders],
      ['*', ['GET', 'POST', 'PUT'], ['Content-Type', 'apikey', 'X-Tenant']],
    );
  });
});
