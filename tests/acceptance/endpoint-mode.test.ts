import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import cors from '@fastify/cors';
import Fastify from 'fastify';
import { freePort } from '../../src/engines/processes.ts';
import { outcomeOfReading } from '../../src/fetch-standard/oracle.ts';
import { defaultPageOrigin, readInputs } from '../../src/input/inputs.ts';
import { differences, exactly } from '../../src/outcome/outcome.ts';
import { expectFromPolicy, type Policy } from '../../src/policy/policy.ts';
import { fetchSpec, oracleRequest } from '../../src/run/run-scenario.ts';
import { createTarget } from '../../src/run/target.ts';
import { FAILURES_EXPECTED, runPlaywright } from './run-playwright.ts';

/**
 * The user's command, end to end: `TARGET_URL=... CORS_POLICY=... npx playwright test` against an
 * endpoint this project did not write (a Fastify app with @fastify/cors), in all three engines.
 */

const work = mkdtempSync(join(tmpdir(), 'endpoint-mode-'));
/** A recognisable secret: the run sends it in `apikey` and must never write it out. */
const SECRET_API_KEY = `canary-${Math.random().toString(36).slice(2)}-key`;
const app = Fastify();
let targetUrl = '';

/** What the app below is configured with, in the policy file's terms. */
const matchingPolicy = {
  // The target is plain http on localhost, so the page origin defaults to http://app.example.test.
  allowOrigin: [defaultPageOrigin(new URL('http://localhost/'))],
  allowMethods: ['GET', 'POST', 'PUT'],
  allowHeaders: ['Content-Type', 'apikey', 'X-Tenant', 'Authorization'],
  exposeHeaders: ['X-Request-Id'],
  allowCredentials: true,
  methods: ['GET', 'POST', 'PUT', 'OPTIONS'],
  apiKey: 'acceptance-key',
  // @fastify/cors adds its headers in an onRequest hook: 404s carry them too.
  corsOnNotFound: true,
};
/** The same policy but for one header: X-Tenant is not in Access-Control-Allow-Headers. */
const oneHeaderOff = { ...matchingPolicy, allowHeaders: ['Content-Type', 'apikey', 'Authorization'] };

before(async () => {
  await app.register(cors, {
    origin: matchingPolicy.allowOrigin,
    methods: matchingPolicy.allowMethods,
    allowedHeaders: matchingPolicy.allowHeaders,
    exposedHeaders: matchingPolicy.exposeHeaders,
    credentials: true,
  });
  const handler = async (_request: unknown, reply: { header(n: string, v: string): void }) => {
    reply.header('x-request-id', 'r-1');
    return { ok: true };
  };
  app.get('/api/orders', handler);
  app.post('/api/orders', handler);
  app.put('/api/orders', handler);
  await app.listen({ host: 'localhost', port: 0 });
  targetUrl = `http://localhost:${(app.server.address() as AddressInfo).port}/api/orders`;
});
after(() => app.close());

function policyFile(name: string, policy: object): string {
  const file = join(work, name);
  writeFileSync(file, JSON.stringify(policy));
  return file;
}

/**
 * The scenarios of the run with policy `b` (its contract included) whose expectation differs under
 * policy `a`: the ones a policy change affects.
 */
function affected(a: string, b: string): string[] {
  const ids: string[] = [];
  const inputsA = readInputs({ TARGET_URL: targetUrl, CORS_POLICY: a });
  const inputsB = readInputs({ TARGET_URL: targetUrl, CORS_POLICY: b });
  const [targetA, targetB] = [createTarget(inputsA), createTarget(inputsB)];
  for (const scenario of inputsB.catalogue.scenarios.filter((s) => targetB.applies(s))) {
    const request = oracleRequest(
      fetchSpec(scenario, targetB, 't'),
      scenario.pageOrigin ?? inputsB.pageOrigin,
    );
    const [a, b] = [targetA, targetB].map((t) =>
      outcomeOfReading(expectFromPolicy((t.policy(scenario) as { policy: Policy }).policy, request)),
    );
    if (!a || !b) throw new Error(`${scenario.id}: a policy always yields a judgement`);
    if (differences(exactly(a), b).length > 0) ids.push(scenario.id);
  }
  return ids.sort();
}

describe('an endpoint it did not write (@fastify/cors), in every engine', { timeout: 30 * 60_000 }, () => {
  it('passes every scenario when the policy matches the server; the API key is in no result or report', async () => {
    const outcomes = await runPlaywright(
      work,
      {
        TARGET_URL: targetUrl,
        CORS_POLICY: policyFile('matching.json', matchingPolicy),
        API_KEY: SECRET_API_KEY,
      },
      [],
    );
    assert.deepEqual(new Set(outcomes.map((o) => o.project)), new Set(['chromium', 'firefox', 'webkit']));
    const failed = outcomes.filter((o) => o.status !== 'passed');
    assert.deepEqual(failed, [], failed.map((f) => `${f.project} ${f.title}\n${f.message}`).join('\n\n'));

    // The key was sent (the wire shows the header), and no file the run or its report wrote holds it.
    const report = join(work, 'allure-report');
    // This project's allure, on the run's results alone (--cwd: no report config, no shared history).
    const generated = spawnSync(
      'npx',
      ['--no-install', 'allure', 'generate', join(work, 'allure-results'), '-o', report, '--cwd', work],
      { encoding: 'utf8' },
    );
    assert.equal(generated.status, 0, generated.stderr);
    const files = readdirSync(work, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    assert.ok(files.length > 100, 'the run wrote results and a report');
    const holding = files
      .map((e) => join(e.parentPath, e.name))
      .filter((file) => readFileSync(file).includes(SECRET_API_KEY));
    assert.deepEqual(holding, [], 'files that hold the API key in clear');
    assert.ok(!outcomes.output.includes(SECRET_API_KEY), 'the run printed the API key');
    const wires = files.filter((e) => e.name.endsWith('-attachment.txt'));
    assert.ok(
      wires.some((e) => /^\s+apikey: «masked»$/m.test(readFileSync(join(e.parentPath, e.name), 'utf8'))),
      'the wire still shows that the apikey header was sent',
    );
  });

  it('fails exactly the scenarios one differing header affects, naming that header', async () => {
    const matching = policyFile('matching.json', matchingPolicy);
    const off = policyFile('one-header-off.json', oneHeaderOff);
    const expected = affected(matching, off);
    assert.ok(expected.length > 0, 'the differing header affects at least one scenario');
    const outcomes = await runPlaywright(
      work,
      { TARGET_URL: targetUrl, CORS_POLICY: off },
      FAILURES_EXPECTED,
    );
    const failed = outcomes.filter((o) => o.status !== 'passed');
    for (const engine of ['chromium', 'firefox', 'webkit']) {
      assert.deepEqual(
        failed
          .filter((f) => f.project === engine)
          .map((f) => f.title)
          .sort(),
        expected,
        `failures in ${engine}`,
      );
    }
    for (const f of failed)
      assert.match(f.message, /Access-Control-Allow-Headers/, `${f.project} ${f.title}`);
    for (const f of failed) assert.match(f.message, /x-tenant/i, `${f.project} ${f.title}`);
  });

  it("applies the catalogue's recorded engine divergences against a target, as against the reference realm", async () => {
    // A server that really sends Access-Control-Allow-Headers: *, and the truthful policy ["*"]: the
    // engines let `*` cover Authorization (recorded in allow-headers/), so that is what each must do.
    const wildcard = Fastify();
    await wildcard.register(cors, { origin: '*', allowedHeaders: '*', methods: ['GET', 'POST', 'PUT'] });
    wildcard.get('/api/orders', async () => ({ ok: true }));
    await wildcard.listen({ host: 'localhost', port: 0 });
    try {
      const url = `http://localhost:${(wildcard.server.address() as AddressInfo).port}/api/orders`;
      const policy = policyFile('wildcard.json', {
        allowOrigin: '*',
        allowHeaders: ['*'],
        allowMethods: ['GET', 'POST', 'PUT'],
        methods: ['GET', 'OPTIONS'],
        apiKey: 'acceptance-key',
        corsOnErrors: true,
      });
      const outcomes = await runPlaywright(work, { TARGET_URL: url, CORS_POLICY: policy }, [
        '--grep',
        'allow-headers/|contract/header',
      ]);
      const failed = outcomes.filter((o) => o.status !== 'passed');
      assert.deepEqual(
        failed.map((o) => `${o.project} ${o.title}: ${o.message.split('\n')[0]}`),
        [],
      );
      assert.ok(
        outcomes.some((o) => o.title === 'allow-headers/wildcard-does-not-cover-authorization'),
        'the recorded divergence was exercised',
      );
    } finally {
      await wildcard.close();
    }
  });

  it('reports a target that is down as unreachable in every engine, never as a CORS verdict', async () => {
    const down = `http://localhost:${await freePort()}/api/orders`;
    const outcomes = await runPlaywright(
      work,
      { TARGET_URL: down, CORS_POLICY: policyFile('matching.json', matchingPolicy) },
      ['--grep', 'digibee/example-', ...FAILURES_EXPECTED],
    );
    assert.equal(outcomes.length, 9);
    for (const o of outcomes) {
      assert.equal(o.status, 'failed', `${o.project} ${o.title}`);
      assert.match(o.message, /the engine unreachable \(connection-refused\)/, `${o.project} ${o.title}`);
      assert.doesNotMatch(o.message, /the engine blocked/, `${o.project} ${o.title}`);
    }
  });
});
