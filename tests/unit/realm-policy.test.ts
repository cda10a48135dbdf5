import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadCatalogue } from '../../scenarios/load.ts';
import { buildServer } from '../../server/build-server.ts';
import { effectiveCors, environmentOfHost, loadRealm, REQUEST_SIZE_LIMIT_BYTES } from '../../server/realm.ts';
import {
  CorsHttpHeaderPolicy,
  corsOfPairs,
  HTTP_FILE_DEFAULT_METHODS,
  type Pipeline,
  REST_DEFAULT_METHODS,
  RealmConfig,
} from '../../server/realm-schema.ts';

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

  it('gives triggers without Methods their documented defaults (HTTP File: no OPTIONS), in a realm file or a record', () => {
    const realm = loadRealm();
    const upload = realm.pipelines.find((p) => p.name === 'file-upload-defaults');
    assert.deepEqual(upload?.methods, HTTP_FILE_DEFAULT_METHODS);
    assert.deepEqual(HTTP_FILE_DEFAULT_METHODS, ['POST', 'PUT', 'GET', 'PATCH', 'DELETE']);
    // An inline answer of a record gets them too.
    const built = loadCatalogue(realm).pipelines.find(
      (p) => p.name === 'triggers--http-default-methods-answer-preflight',
    );
    assert.deepEqual(built?.methods, REST_DEFAULT_METHODS);
  });

  it('answers a preflight to such a trigger 404, and a pipeline past its Maximum Timeout 500 without body or CORS', async () => {
    const app = buildServer(loadRealm());
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/pipeline/reference/v1/file-upload-defaults',
      headers: { origin: 'https://app.example.test', 'access-control-request-method': 'PUT' },
    });
    assert.equal(preflight.statusCode, 404);
    const slow = await app.inject({
      method: 'GET',
      url: '/pipeline/reference/v1/slow-report',
      headers: { origin: 'https://app.example.test' },
    });
    assert.equal(slow.statusCode, 500);
    assert.equal(slow.body, '');
    assert.equal(slow.headers['access-control-allow-origin'], undefined);
  });

  it('refuses a payload over 5 MiB to a REST or HTTP trigger with 413 and its message, and takes one under it', async () => {
    const app = buildServer(loadRealm());
    const post = (bytes: number) =>
      app.inject({
        method: 'POST',
        url: '/pipeline/reference/v1/webhook',
        headers: { origin: 'https://app.example.test', 'content-type': 'text/plain' },
        payload: 'x'.repeat(bytes),
      });
    const over = await post(REQUEST_SIZE_LIMIT_BYTES + 1);
    assert.equal(over.statusCode, 413);
    assert.deepEqual(over.json(), { message: 'Request size limit exceeded' });
    assert.equal(over.headers['access-control-allow-origin'], undefined);
    const under = await post(REQUEST_SIZE_LIMIT_BYTES);
    assert.equal(under.statusCode, 200);
    assert.equal(under.headers['access-control-allow-origin'], '*');
  });

  it('gives a REST or HTTP trigger without Methods their defaults, OPTIONS among them', () => {
    assert.deepEqual(
      loadRealm().pipelines.find((p) => p.name === 'rest-defaults')?.methods,
      REST_DEFAULT_METHODS,
    );
    assert.ok(REST_DEFAULT_METHODS.includes('OPTIONS'));
  });

  it('refuses a realm whose pipeline the External API access policy would not let be deployed, naming it', () => {
    const base = { trigger: 'rest', methods: ['GET'] };
    const realm = (access: string, pipeline: Record<string, unknown>) =>
      RealmConfig.safeParse({
        name: 'r',
        externalApiAccess: { test: access },
        pipelines: [{ name: 'p', ...base, ...pipeline }],
      }).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
    assert.deepEqual(realm('api-key', {}), [
      'pipelines.0: "p" cannot be deployed in test: the External API access policy (api-key) requires an API key (apiKey)',
    ]);
    assert.deepEqual(realm('jwt-with-api-key', { apiKey: 'k' }), [
      'pipelines.0: "p" cannot be deployed in test: the External API access policy (jwt-with-api-key) requires a JWT (jwt) besides its API key',
    ]);
    assert.deepEqual(realm('jwt-with-api-key', { apiKey: 'k', jwt: 't' }), []);
    assert.deepEqual(realm('any', {}), []);
  });

  it('reads an Allow-Origin list holding `*`, as the policy page types one, as `*`', () => {
    assert.deepEqual(
      corsOfPairs({ 'Access-Control-Allow-Origin': 'http://example.com, https://sub.example.com, *' }),
      {
        allowOrigin: '*',
      },
    );
    assert.deepEqual(
      corsOfPairs({ 'Access-Control-Allow-Origin': 'http://example.com, https://sub.example.com' }),
      {
        allowOrigin: ['http://example.com', 'https://sub.example.com'],
      },
    );
  });

  it('checks Basic Auth and the JWT on the actual request, never on the preflight', async () => {
    const app = buildServer(loadRealm());
    const get = (url: string, authorization?: string) =>
      app.inject({
        method: 'GET',
        url,
        headers: { origin: 'https://app.example.test', ...(authorization ? { authorization } : {}) },
      });
    const basic = `Basic ${Buffer.from('partner:reference-password').toString('base64')}`;
    assert.equal((await get('/pipeline/reference/v1/basic-auth-orders', basic)).statusCode, 200);
    const missing = await get('/pipeline/reference/v1/basic-auth-orders');
    assert.equal(missing.statusCode, 401);
    assert.equal(missing.headers['access-control-allow-origin'], '*');
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/pipeline/reference/v1/basic-auth-orders',
      headers: { origin: 'https://app.example.test', 'access-control-request-method': 'GET' },
    });
    assert.equal(preflight.statusCode, 204);
  });
});
