import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { InputError } from '../../src/input/data-file.ts';
import {
  fieldsOfRestIntegration,
  type OpenApiTargets,
  sampleValueOf,
  targetNameOf,
  targetsFromOpenApi,
} from '../../src/input/openapi.ts';
import { TargetsFile } from '../../src/input/targets.ts';
import { Policy } from '../../src/policy/policy.ts';

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/openapi');
const fixture = (name: string) => join(FIXTURES, name);

/** An OpenAPI document written to a temporary file, with one GET path unless `paths` says otherwise. */
function documentFile(fields: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'openapi-'));
  const file = join(dir, 'api.json');
  const doc = {
    openapi: '3.1.0',
    info: { title: 't', version: '1' },
    servers: [{ url: 'https://api.acme.test' }],
    paths: { '/x': { get: { responses: { '200': { description: 'ok' } } } } },
    ...fields,
  };
  writeFileSync(file, JSON.stringify(doc));
  return file;
}

/** The InputError problems of `promise`, as `file: field: message` lines. */
async function problemsOf(promise: Promise<unknown>): Promise<string[]> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof InputError, String(error));
    return error.problems.map((p) => `${p.file}: ${p.field}: ${p.message}`);
  }
  assert.fail('expected an InputError');
}

/** Every target's policy over the defaults, read as the suite reads it (it must be a valid policy). */
function policiesOf(made: OpenApiTargets): Map<string, Policy> {
  const file = TargetsFile.parse(made.targetsFile);
  return new Map(
    file.targets.map((t) => {
      assert.equal(typeof t.policy, 'object');
      const merged = { ...(file.defaults?.policy ?? {}), ...(t.policy as Record<string, unknown>) };
      return [t.name, Policy.parse(merged)];
    }),
  );
}

describe('a targets file from an OpenAPI document', () => {
  it("reads an HTTP API's x-amazon-apigateway-cors, $ref'd header parameters and an API key scheme", async () => {
    const made = await targetsFromOpenApi(fixture('http-api-cors.yaml'));
    const file = TargetsFile.parse(made.targetsFile);
    assert.equal(file.defaults, undefined);
    assert.deepEqual(
      file.targets.map((t) => [t.name, t.url]),
      [
        ['orders', 'https://api.acme.test/v1/orders'],
        ['orders-id', 'https://api.acme.test/v1/orders/42'],
        ['health', 'https://api.acme.test/v1/health'],
      ],
    );
    // The CORS configuration, as the document states it; API Gateway answers preflights (OPTIONS).
    assert.deepEqual(file.targets[0]?.policy, {
      allowOrigin: ['https://app.acme.test'],
      allowMethods: ['GET', 'POST', 'DELETE'],
      allowHeaders: ['X-Tenant', 'X-Trace-Id'],
      exposeHeaders: ['X-Request-Id'],
      allowCredentials: true,
      maxAge: 600,
      methods: ['GET', 'POST', 'OPTIONS'],
      apiKeyHeader: 'X-Api-Key',
    });
    const policies = policiesOf(made);
    assert.deepEqual(policies.get('orders-id')?.methods, ['GET', 'DELETE', 'OPTIONS']);
    assert.deepEqual(policies.get('orders-id')?.allowHeaders, ['X-Tenant']);
    assert.equal(policies.get('orders-id')?.apiKeyHeader, 'X-Api-Key');
    // `security: []` on the operation: no key for /health (the policy's default header, no key stated).
    assert.deepEqual(file.targets[2]?.policy, {
      allowOrigin: ['https://app.acme.test'],
      allowMethods: ['GET', 'POST', 'DELETE'],
      exposeHeaders: ['X-Request-Id'],
      allowCredentials: true,
      maxAge: 600,
      methods: ['GET', 'OPTIONS'],
    });
    assert.deepEqual(made.notes, [
      'security scheme "apiKey" (orders, orders-id): the API key goes in X-Api-Key; set API_KEY (or the policy\'s apiKey) to a key before running',
    ]);
  });

  it('reads a document without CORS configuration: bearer auth, server variables, notes, defaults', async () => {
    const defaults = { allowOrigin: ['https://app.acme.test'], maxAge: 60 };
    const made = await targetsFromOpenApi(fixture('bearer-no-cors.json'), { defaults });
    const file = TargetsFile.parse(made.targetsFile);
    assert.deepEqual(file.defaults, { policy: defaults });
    assert.deepEqual(file.targets, [
      {
        name: 'users-userid-orders-orderno',
        // {region}, {port}, {basePath} from their defaults; a string and an integer placeholder.
        url: 'https://eu.api.acme.test:8443/v2/users/example/orders/1',
        policy: { methods: ['GET', 'PUT'], bearerTokenEnv: 'BEARER_TOKEN' },
      },
      // An `options` operation: the endpoint answers preflights itself.
      {
        name: 'reports',
        url: 'https://eu.api.acme.test:8443/v2/reports',
        policy: { methods: ['GET', 'OPTIONS'] },
      },
    ]);
    // Header parameters are not made allowed headers: the document does not say the server allows them.
    const policies = policiesOf(made);
    assert.deepEqual(policies.get('users-userid-orders-orderno')?.allowHeaders, []);
    assert.deepEqual(policies.get('reports')?.allowOrigin, ['https://app.acme.test']);
    assert.deepEqual(made.notes, [
      'users-userid-orders-orderno: header parameters X-Tenant, Idempotency-Key: the document states no CORS configuration for them',
      'security scheme "bearer" (users-userid-orders-orderno): a bearer token; set BEARER_TOKEN to a token before running',
      'security scheme "queryKey" (reports): the key goes in the query "api_key", and the suite sends keys in headers only: the targets are called without it',
    ]);
    // --base replaces the server; --limit keeps the first paths.
    const based = await targetsFromOpenApi(fixture('bearer-no-cors.json'), {
      base: 'http://127.0.0.1:8080/api/',
      limit: 1,
    });
    assert.deepEqual(
      based.targetsFile.targets.map((t) => t.url),
      ['http://127.0.0.1:8080/api/users/example/orders/1'],
    );
  });

  it("reads a REST API's mock OPTIONS integration: exactly the values it answers, not '*'", async () => {
    const made = await targetsFromOpenApi(fixture('rest-api-cors.yaml'));
    const [target] = TargetsFile.parse(made.targetsFile).targets;
    assert.equal(target?.url, 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/stock/SKU-1');
    assert.deepEqual(target?.policy, {
      allowOrigin: ['https://a.example'],
      allowMethods: ['GET', 'OPTIONS'],
      allowHeaders: ['Content-Type', 'X-Api-Key'],
      methods: ['GET', 'OPTIONS'],
      preflightStatus: 200,
    });
    assert.notEqual(policiesOf(made).get('stock-sku')?.allowOrigin, '*');
    assert.deepEqual(made.notes, [
      "stock-sku: header parameters X-Request-Id are not in the CORS configuration's allowHeaders: a page cannot send them",
    ]);
  });

  it("maps allowOrigins as the document gives it: ['*'] is '*', an origin list stays that list", async () => {
    const cors = (allowOrigins: string[]) =>
      targetsFromOpenApi(documentFile({ 'x-amazon-apigateway-cors': { allowOrigins } }));
    const listed = await cors(['https://a.example']);
    assert.deepEqual(listed.targetsFile.targets[0]?.policy, {
      allowOrigin: ['https://a.example'],
      methods: ['GET', 'OPTIONS'],
    });
    const wildcard = await cors(['*']);
    assert.equal(policiesOf(wildcard).get('x')?.allowOrigin, '*');
    // The derived values are checked as a policy: a bad one names the document field it came from.
    const file = documentFile({ 'x-amazon-apigateway-cors': { allowOrigins: ['https://a.example/'] } });
    const found = await problemsOf(targetsFromOpenApi(file));
    assert.equal(found.length, 1, found.join('\n'));
    assert.match(
      found[0] ?? '',
      /api\.json: allowOrigin\[0\] \(for targets\[0\] "x", from x-amazon-apigateway-cors\.allowOrigins\): must be a serialized origin/,
    );
  });

  it('names the file and the problem of an invalid document, extension or server', async () => {
    const invalid = fixture('invalid.yaml');
    const found = await problemsOf(targetsFromOpenApi(invalid));
    assert.equal(found.length, 1);
    assert.ok(found[0]?.startsWith(`${invalid}: (file): OpenAPI schema validation failed.`), found[0]);
    assert.match(found[0] ?? '', /must have required property 'version'/);

    const missing = join(FIXTURES, 'no-such-document.yaml');
    assert.match(
      (await problemsOf(targetsFromOpenApi(missing)))[0] ?? '',
      /no-such-document\.yaml: \(file\): /,
    );

    const swagger = documentFile({ openapi: undefined, swagger: '2.0', servers: undefined, paths: {} });
    assert.match(
      (await problemsOf(targetsFromOpenApi(swagger)))[0] ?? '',
      /: swagger: is "2\.0": give an OpenAPI 3/,
    );

    const typo = documentFile({ 'x-amazon-apigateway-cors': { allowOrigin: ['*'] } });
    assert.match(
      (await problemsOf(targetsFromOpenApi(typo)))[0] ?? '',
      /\["x-amazon-apigateway-cors"\]\.allowOrigin: is not a field of x-amazon-apigateway-cors \(allowOrigins, /,
    );

    const relative = documentFile({ servers: [{ url: '/v1' }] });
    assert.match(
      (await problemsOf(targetsFromOpenApi(relative)))[0] ?? '',
      /servers\[0\]\.url: "\/v1" is a relative URL: give --base/,
    );
    const resolved = await targetsFromOpenApi(relative, { base: 'http://127.0.0.1:8080' });
    assert.equal(resolved.targetsFile.targets[0]?.url, 'http://127.0.0.1:8080/v1/x');

    const badDefaults = await problemsOf(
      targetsFromOpenApi(fixture('bearer-no-cors.json'), {
        defaults: { maxAge: -1 },
        defaultsFile: 'd.json',
      }),
    );
    assert.match(
      badDefaults[0] ?? '',
      /^d\.json: maxAge \(for targets\[0\] "users-userid-orders-orderno"\): /,
    );
  });
});

describe('the helpers of the OpenAPI import', () => {
  it('names targets from their paths, unique and as TargetsFile allows', () => {
    const taken = new Set<string>();
    const names = ['/orders/{id}', '/Orders/{ID}', '/', '/_internal/v1.2/x', `/${'a'.repeat(80)}`].map((p) =>
      targetNameOf(p, taken),
    );
    assert.deepEqual(names.slice(0, 4), ['orders-id', 'orders-id-2', 'root', 'internal-v1.2-x']);
    assert.equal(names[4]?.length, 64);
    for (const name of names) assert.match(name, /^[A-Za-z0-9][\w.-]{0,63}$/);
  });

  it('fills a path parameter with its example or default, else a placeholder by type', () => {
    assert.equal(sampleValueOf({ name: 'id', in: 'path', example: 7, schema: { type: 'integer' } }), '7');
    assert.equal(
      sampleValueOf({ name: 'id', in: 'path', schema: { type: 'string', default: 'abc' } }),
      'abc',
    );
    assert.equal(sampleValueOf({ name: 'id', in: 'path', schema: { type: ['integer', 'null'] } }), '1');
    assert.equal(sampleValueOf({ name: 'id', in: 'path', schema: { type: 'string' } }), 'example');
    assert.equal(sampleValueOf(undefined), 'example');
  });

  it("reads a REST integration's quoted values and leaves mapped ones out, saying so", () => {
    const read = fieldsOfRestIntegration(
      {
        'method.response.header.Access-Control-Allow-Origin': 'method.request.header.Origin',
        'method.response.header.Access-Control-Allow-Credentials': "'true'",
        'method.response.header.Access-Control-Max-Age': "'300'",
        'method.response.header.Content-Type': "'application/json'",
      },
      '204',
    );
    assert.deepEqual(read.fields, { allowCredentials: true, maxAge: 300, preflightStatus: 204 });
    assert.deepEqual(read.unread, ['Access-Control-Allow-Origin (method.request.header.Origin)']);
  });
});
