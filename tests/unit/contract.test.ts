import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contractOf, lookalikesOf } from '../../src/policy/contract.ts';
import { expectFromPolicy, Policy, policyAllowsOrigin, policyWarnings } from '../../src/policy/policy.ts';
import { ORIGIN, request } from './requests.ts';

const policy = (fields: Record<string, unknown>) => Policy.parse({ methods: ['GET', 'OPTIONS'], ...fields });
const ids = (p: Policy, hasCredential = false) =>
  contractOf({ policy: p, file: 'policy.json', pageOrigin: ORIGIN, hasCredential }).scenarios.map((s) =>
    s.id.replace('contract/', ''),
  );

describe('the contract generated from a policy', () => {
  const p = policy({
    allowOrigin: ['https://app.acme.com', 'https://*.acme.dev'],
    allowMethods: ['GET', 'PUT'],
    allowHeaders: ['Authorization', 'Content-Type', 'apikey', 'X-Trace-Id'],
    exposeHeaders: ['X-Request-Id'],
    allowCredentials: true,
    apiKey: 'k-123',
  });
  const all = ids(p, true);
  it('calls from every allowed origin, a pattern through a sample it matches', () => {
    assert.ok(all.includes('origin-https-app-acme-com-allowed'));
    assert.ok(all.includes('origin-https-cors-probe-acme-dev-allowed'));
    assert.ok(policyAllowsOrigin(p, 'https://cors-probe.acme.dev'));
  });
  it('sends each allowed method and header, all headers together, and one of each unlisted', () => {
    for (const id of [
      'method-get-allowed',
      'method-put-allowed',
      'method-patch-unlisted-refused',
      'header-x-trace-id-allowed',
      'header-authorization-allowed',
      'header-apikey-allowed',
      'headers-all-allowed',
      'header-unlisted-refused',
      'expose-x-request-id-readable',
      'unexposed-headers-hidden',
      'credentials-allowed',
      'origin-hostile-refused',
    ])
      assert.ok(all.includes(id), id);
  });
  it('probes the look-alikes of each listed origin, one per misconfiguration class', () => {
    const kinds = all.filter((id) => id.startsWith('origin-https-app-acme-com-lookalike-'));
    assert.deepEqual(
      kinds.map((id) => id.replace('origin-https-app-acme-com-lookalike-', '')),
      ['prefix', 'suffix', 'substring', 'subdomain', 'unescaped-dot', 'http-twin', 'null'],
    );
    assert.deepEqual(
      lookalikesOf('https://app.acme.com').map((l) => l.origin),
      [
        'https://app.acme.com.evil.example',
        'https://evilapp.acme.com',
        'https://notapp.acme.com.evil.example',
        'https://evil.app.acme.com',
        'https://appxacme.com',
        'http://app.acme.com',
        'null',
      ],
    );
  });
  it('has stable ids: the same policy gives the same contract', () => assert.deepEqual(ids(p, true), all));
  it('states what it cannot send instead of skipping it silently', () => {
    const contract = contractOf({
      policy: policy({ allowOrigin: '*', allowHeaders: ['Cookie', 'X-A'], allowMethods: ['*'] }),
      file: 'p.json',
      pageOrigin: ORIGIN,
      hasCredential: false,
    });
    assert.deepEqual(contract.notProbed, [
      'an unlisted method: the policy allows every method (["*"])',
      'request header Cookie: a page cannot set it (forbidden request-header)',
    ]);
  });
});

describe('the policy forms', () => {
  it("reads Digibee's header key/value pairs into the same model", () => {
    const p = policy({
      headers: {
        'Access-Control-Allow-Origin': '*',
        'Access-Control-Allow-Methods': 'GET',
        'Access-Control-Allow-Headers': 'Authorization, Content-Type, apikey',
      },
      apiKey: 'demo-key',
    });
    assert.deepEqual(
      [p.allowOrigin, p.allowMethods, p.allowHeaders],
      ['*', ['GET'], ['Authorization', 'Content-Type', 'apikey']],
    );
  });
  it('names the header of a bad pair and refuses a field given in both forms', () => {
    const result = Policy.safeParse({
      methods: ['GET'],
      allowOrigin: '*',
      headers: { 'Access-Control-Allow-Origin': 'https://a.com/', 'X-Other': '1' },
    });
    assert.deepEqual(result.error?.issues.map((i) => i.path.join('.')).sort(), [
      'allowOrigin',
      'headers.Access-Control-Allow-Origin.0',
      'headers.X-Other',
    ]);
  });
  it('reflect echoes any origin and the requested headers', () => {
    const p = policy({ allowOrigin: 'reflect', allowHeaders: 'reflect', allowMethods: ['GET'] });
    const reading = expectFromPolicy(
      p,
      request({ origin: 'https://anyone.example', headers: [['X-Z', '1']] }),
    );
    assert.equal(reading.verdict, 'allowed');
  });
  it('a regular expression needs an example it matches', () => {
    const result = Policy.safeParse({
      methods: ['GET'],
      allowOrigin: [{ regex: '^https://a\\.com$', examples: ['https://b.com'] }],
    });
    assert.deepEqual(
      result.error?.issues.map((i) => i.path.join('.')),
      ['allowOrigin.0.examples.0'],
    );
  });
  it('an error answer without CORS headers blocks the page from reading it', () => {
    const p = policy({ allowOrigin: '*', apiKey: 'k', unauthorizedStatus: 401 });
    assert.equal(expectFromPolicy(p, request({})).verdict, 'blocked');
    assert.equal(expectFromPolicy({ ...p, corsOnErrors: [401] }, request({})).verdict, 'allowed');
    assert.equal(expectFromPolicy(p, request({ headers: [['apikey', 'k']] })).verdict, 'blocked'); // preflight: apikey not allowed
  });
  it('accepts a dangerous policy and reports it as a flaw', () => {
    assert.deepEqual(
      policyWarnings(policy({ allowOrigin: 'reflect', allowCredentials: true })).map((w) => w.severity),
      ['failure'],
    );
  });
});
