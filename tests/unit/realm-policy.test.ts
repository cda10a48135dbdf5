import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildServer } from '../../server/build-server.ts';
import { effectiveCors, environmentOfHost, loadRealm } from '../../server/realm.ts';
import { CorsHttpHeaderPolicy, type Pipeline, RealmConfig } from '../../server/realm-schema.ts';

/**
 * The realm's CORS HTTP header policy as Digibee's page documents it: for a key both set, the policy's
 * value unless "Don't override the pipeline's header configuration" is on; keys only one sets, together;
 * one configuration per environment, the test one at a host beginning with `test.`.
 */

const headers = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Headers': 'Content-Type, apikey',
};
const pipeline = (cors: Pipeline['cors']): Pipeline =>
  ({
    name: 'p',
    major: 1,
    trigger: 'rest',
    methods: ['GET', 'OPTIONS'],
    cors,
    responseHeaders: {},
  }) as Pipeline;
const realm = (dontOverride: boolean) =>
  RealmConfig.parse({
    name: 'r',
    corsPolicy: { prod: { headers, dontOverride }, test: { headers: { 'Access-Control-Max-Age': '60' } } },
    pipelines: [pipeline({ allowHeaders: ['X-Tenant'], exposeHeaders: ['X-Id'] })],
  });

describe("the realm's CORS HTTP header policy", () => {
  it("sends the policy's value for a key both set, and keys only one sets together (the option off, the default)", () => {
    const r = realm(false);
    assert.deepEqual(effectiveCors(r, r.pipelines[0] as Pipeline), {
      allowOrigin: '*',
      allowHeaders: ['Content-Type', 'apikey'],
      exposeHeaders: ['X-Id'],
    });
    assert.equal(CorsHttpHeaderPolicy.parse({ headers }).dontOverride, false);
  });

  it('sends the pipeline\'s value with "Don\'t override" on', () => {
    const r = realm(true);
    assert.deepEqual(effectiveCors(r, r.pipelines[0] as Pipeline), {
      allowOrigin: '*',
      allowHeaders: ['X-Tenant'],
      exposeHeaders: ['X-Id'],
    });
  });

  it('has one configuration per environment, chosen by the host', () => {
    const r = realm(false);
    assert.deepEqual(effectiveCors(r, r.pipelines[0] as Pipeline, 'test'), {
      allowHeaders: ['X-Tenant'],
      exposeHeaders: ['X-Id'],
      maxAge: 60,
    });
    assert.equal(environmentOfHost('test.api.example.test'), 'test');
    assert.equal(environmentOfHost('api.example.test'), 'prod');
    assert.equal(environmentOfHost('contest.example.test'), 'prod');
    assert.equal(environmentOfHost(undefined), 'prod');
  });

  it('validates each key/value pair, naming the key', () => {
    const issues = (h: Record<string, string>) =>
      CorsHttpHeaderPolicy.safeParse({ headers: h }).error?.issues.map(
        (i) => `${i.path.join('.')}: ${i.message}`,
      );
    assert.deepEqual(issues({ 'X-Frame-Options': 'DENY' }), [
      'headers.X-Frame-Options: is not a CORS response header (one of: access-control-allow-origin, access-control-allow-methods, access-control-allow-headers, access-control-expose-headers, access-control-allow-credentials, access-control-max-age)',
    ]);
    assert.match(
      (issues({ 'Access-Control-Max-Age': 'soon' }) ?? []).join(),
      /Access-Control-Max-Age: is "soon", not a number of seconds/,
    );
    assert.match(
      (issues({ 'Access-Control-Allow-Methods': 'GET, P OST' }) ?? []).join(),
      /^headers\.Access-Control-Allow-Methods\.1: /,
    );
  });

  it('the reference server answers each environment with its own policy', async () => {
    const app = buildServer(loadRealm());
    const preflight = (host: string) =>
      app.inject({
        method: 'OPTIONS',
        url: '/pipeline/reference/v1/inventory',
        headers: {
          host,
          origin: 'https://app.example.test',
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'x-tenant',
        },
      });
    // Production has "Don't override" on: the pipeline's own Allow-Headers, with X-Tenant.
    assert.equal(
      (await preflight('api.example.test')).headers['access-control-allow-headers'],
      'Content-Type, apikey, X-Tenant',
    );
    // Test has it off: the policy's.
    assert.equal(
      (await preflight('test.api.example.test')).headers['access-control-allow-headers'],
      'Content-Type, apikey',
    );
  });
});
