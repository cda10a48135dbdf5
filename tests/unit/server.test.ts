import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildServer } from '../../server/build-server.ts';
import { loadRealm } from '../../server/realm.ts';
import { RealmConfig } from '../../server/realm-schema.ts';

const realm = loadRealm();
const app = buildServer(realm);
const url = (pipeline: string, token = 't') => `/pipeline/reference/v1/${pipeline}?cors-conformance=${token}`;
const ORIGIN = 'http://localhost:4000';
const preflight = (method: string, headers = '') => ({
  origin: ORIGIN,
  'access-control-request-method': method,
  ...(headers ? { 'access-control-request-headers': headers } : {}),
});
/** Every CORS header at once (the @fastify/cors way): a failure shows the whole set. */
const corsHeaders = (headers: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(headers).filter(([name]) => name.startsWith('access-control-') || name === 'vary'),
  );

describe('the seed trigger: cors-example', () => {
  it('answers the preflight with the three configured headers', async () => {
    const res = await app.inject({
      method: 'OPTIONS',
      url: url('cors-example'),
      headers: preflight('GET', 'apikey,content-type'),
    });
    assert.equal(res.statusCode, 204);
    assert.deepEqual(corsHeaders(res.headers), {
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'GET',
      'access-control-allow-headers': 'Authorization, Content-Type, apikey',
    });
  });
  it('example 1: serves GET with the API key, with Allow-Origin', async () => {
    const res = await app.inject({
      method: 'GET',
      url: url('cors-example'),
      headers: { origin: ORIGIN, apikey: 'demo-key', 'content-type': 'application/json' },
    });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(corsHeaders(res.headers), { 'access-control-allow-origin': '*' });
    assert.deepEqual(res.json(), { pipeline: 'cors-example', trigger: 'rest', method: 'GET' });
  });
  it('example 3: answers POST (not configured) 404 with no CORS header', async () => {
    const res = await app.inject({
      method: 'POST',
      url: url('cors-example'),
      headers: { origin: ORIGIN, apikey: 'demo-key' },
      payload: '{}',
    });
    assert.equal(res.statusCode, 404);
    assert.deepEqual(corsHeaders(res.headers), {});
  });
  it('answers 401 without the API key, with Allow-Origin so a page can read it', async () => {
    const res = await app.inject({ method: 'GET', url: url('cors-example'), headers: { origin: ORIGIN } });
    assert.equal(res.statusCode, 401);
    assert.deepEqual(corsHeaders(res.headers), { 'access-control-allow-origin': '*' });
  });
  it('does not ask the preflight for the API key (browsers never send it there)', async () => {
    const res = await app.inject({
      method: 'OPTIONS',
      url: url('cors-example'),
      headers: preflight('GET', 'apikey'),
    });
    assert.equal(res.statusCode, 204);
  });
});

describe('Global CORS Configuration and pipeline CORS', () => {
  it('gives a pipeline without CORS headers the realm-wide ones', async () => {
    const res = await app.inject({ method: 'OPTIONS', url: url('orders'), headers: preflight('PUT') });
    assert.deepEqual(corsHeaders(res.headers), {
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'GET, POST, PUT',
      'access-control-allow-headers': 'Content-Type, apikey',
    });
  });
  it('overrides the realm header by header: inventory replaces Allow-Headers only', async () => {
    const res = await app.inject({
      method: 'OPTIONS',
      url: url('inventory'),
      headers: preflight('GET', 'x-tenant'),
    });
    assert.deepEqual(corsHeaders(res.headers), {
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'GET, POST, PUT',
      'access-control-allow-headers': 'Content-Type, apikey, X-Tenant',
    });
  });
});

describe('Allow-Origin configured as a list', () => {
  it('echoes a listed origin with Vary: Origin, never the list', async () => {
    const res = await app.inject({
      method: 'GET',
      url: url('partner-only'),
      headers: { origin: 'https://partner.example.com' },
    });
    assert.deepEqual(corsHeaders(res.headers), {
      'access-control-allow-origin': 'https://partner.example.com',
      vary: 'Origin',
    });
  });
  it('sends no Allow-Origin to an unlisted origin, and still Vary: Origin', async () => {
    const res = await app.inject({ method: 'GET', url: url('partner-only'), headers: { origin: ORIGIN } });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(corsHeaders(res.headers), { vary: 'Origin' });
  });
});

describe('trigger kinds', () => {
  it('HTTP File download: a CSV attachment, Content-Disposition exposed as configured', async () => {
    const res = await app.inject({ method: 'GET', url: url('report-download'), headers: { origin: ORIGIN } });
    assert.equal(res.headers['content-type'], 'text/csv');
    assert.equal(res.headers['content-disposition'], 'attachment; filename="report.csv"');
    assert.equal(res.headers['access-control-expose-headers'], 'Content-Disposition, X-Execution-Id');
  });
  it('HTTP File upload: counts the multipart bytes it received', async () => {
    const payload =
      '--b\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\n\r\nhello\r\n--b--\r\n';
    const res = await app.inject({
      method: 'POST',
      url: url('document-upload'),
      headers: { origin: ORIGIN, 'content-type': 'multipart/form-data; boundary=b' },
      payload,
    });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().receivedBytes, payload.length);
  });
  it('HTTP: echoes the raw body with its Content-Type', async () => {
    const res = await app.inject({
      method: 'POST',
      url: url('webhook'),
      headers: { origin: ORIGIN, 'content-type': 'text/plain' },
      payload: 'ping',
    });
    assert.equal(res.body, 'ping');
    assert.match(String(res.headers['content-type']), /^text\/plain/);
  });
  it('answers an unknown pipeline 404 without CORS headers', async () => {
    const res = await app.inject({ method: 'GET', url: url('nope'), headers: { origin: ORIGIN } });
    assert.equal(res.statusCode, 404);
    assert.deepEqual(corsHeaders(res.headers), {});
  });
});

describe('the request log', () => {
  it('files every request under its token, with what was asked and answered', async () => {
    const token = 'log-test';
    await app.inject({
      method: 'OPTIONS',
      url: url('cors-example', token),
      headers: preflight('POST', 'apikey'),
    });
    await app.inject({
      method: 'POST',
      url: url('cors-example', token),
      headers: { origin: ORIGIN, apikey: 'demo-key' },
    });
    await app.inject({ method: 'GET', url: url('cors-example', 'other-token'), headers: { origin: ORIGIN } });
    const wire = app.requestLog.read(token);
    assert.deepEqual(
      wire.map((e) => [e.method, e.status]),
      [
        ['OPTIONS', 204],
        ['POST', 404],
      ],
    );
    assert.deepEqual(
      wire[0]?.requestHeaders.filter(([n]) => n.startsWith('access-control-') || n === 'origin'),
      [
        ['origin', ORIGIN],
        ['access-control-request-method', 'POST'],
        ['access-control-request-headers', 'apikey'],
      ],
    );
    assert.ok(wire[0]?.responseHeaders.some(([n, v]) => n === 'access-control-allow-methods' && v === 'GET'));
  });
});

describe('realm config validation', () => {
  it('names the field of every problem', () => {
    const result = RealmConfig.safeParse({
      name: 'Bad Name',
      pipelines: [
        { name: 'a', trigger: 'soap', methods: ['GET'] },
        { name: 'b', trigger: 'rest', methods: [], cors: { allowOrigin: ['https://x.example/'] } },
      ],
    });
    assert.equal(result.success, false);
    const paths = result.error?.issues.map((i) => i.path.join('.')).sort();
    assert.deepEqual(paths, [
      'name',
      'pipelines.0.trigger',
      'pipelines.1.cors.allowOrigin.0',
      'pipelines.1.methods',
    ]);
  });
  it('refuses two pipelines at the same path', () => {
    const result = RealmConfig.safeParse({
      name: 'r',
      pipelines: [
        { name: 'a', trigger: 'rest', methods: ['GET'] },
        { name: 'a', trigger: 'http', methods: ['POST'] },
      ],
    });
    assert.match(String(result.error?.issues[0]?.message), /duplicates pipelines\[0\]/);
  });
});
