import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import cors from 'cors';
import express from 'express';
import { loadCatalogue, realmWithCatalogue } from '../../scenarios/load.ts';
import { buildServer } from '../../server/build-server.ts';
import { loadRealm, pipelinePath } from '../../server/realm.ts';
import { Policy } from '../../src/policy/policy.ts';
import { FAILURES_EXPECTED, runPlaywright } from './run-playwright.ts';

/**
 * `TARGET_URL=...` alone, end to end: against the reference server's seed trigger, discovery infers
 * the seed's configuration, a policy that then checks the endpoint; against an Express app with
 * `cors({ origin: true, credentials: true })` (any origin reflected, with credentials), it fails on
 * what is insecure whatever the owner meant.
 */

const work = mkdtempSync(join(tmpdir(), 'discovery-'));
const file = loadRealm();
const reference = buildServer(realmWithCatalogue(file, loadCatalogue(file)));
const reflecting = express();
let referenceBase = '';
let reflectingUrl = '';
let closeReflecting = () => {};

before(async () => {
  await reference.listen({ host: '127.0.0.1', port: 0 });
  referenceBase = `http://127.0.0.1:${(reference.server.address() as AddressInfo).port}`;
  reflecting.use(cors({ origin: true, credentials: true }));
  reflecting.get('/api/me', (_request, response) => {
    response.json({ user: 'someone' });
  });
  await new Promise<void>((resolve) => {
    const server = reflecting.listen(0, '127.0.0.1', () => {
      reflectingUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/me`;
      closeReflecting = () => server.close();
      resolve();
    });
  });
});
after(async () => {
  await reference.close();
  closeReflecting();
});

describe('a URL alone: discovery', { timeout: 20 * 60_000 }, () => {
  it("infers the seed trigger's configuration in every engine, a policy the endpoint then passes", async () => {
    const seed = file.pipelines.find((p) => p.name === 'cors-example');
    assert.ok(seed);
    const url = `${referenceBase}${pipelinePath(file.name, seed)}`;
    const dir = join(work, 'seed');
    const run = await runPlaywright(
      work,
      { TARGET_URL: url, API_KEY: 'demo-key', DISCOVERY_DIR: dir },
      [],
      'tests/discovery.spec.ts',
    );
    assert.deepEqual(
      run.map((o) => `${o.project} ${o.status}`).sort(),
      ['chromium passed', 'firefox passed', 'webkit passed'],
      run.map((o) => o.message).join('\n'),
    );
    for (const engine of ['chromium', 'firefox', 'webkit']) {
      const inferred = JSON.parse(readFileSync(join(dir, `policy.${engine}.json`), 'utf8'));
      assert.equal(inferred.allowOrigin, '*', engine);
      assert.deepEqual(inferred.allowMethods, ['GET'], engine);
      assert.deepEqual(inferred.allowHeaders, ['Authorization', 'Content-Type', 'apikey'], engine);
      assert.deepEqual(inferred.methods, ['GET', 'OPTIONS'], engine);
      assert.equal(inferred.allowCredentials, false, engine);
    }
    assert.match(run.output, /none with a declared intent behind it/);
    assert.match(run.output, /cors-discovery|policy\.json/);
    // The inferred policy is a valid CORS_POLICY, and the endpoint meets it.
    const policy = join(dir, 'policy.json');
    Policy.parse(JSON.parse(readFileSync(policy, 'utf8')));
    const check = await runPlaywright(work, { TARGET_URL: url, API_KEY: 'demo-key', CORS_POLICY: policy }, [
      '--project=chromium',
    ]);
    const failed = check.filter((o) => o.status !== 'passed');
    assert.deepEqual(
      failed.map((o) => `${o.title}: ${o.message.split('\n')[0]}`),
      [],
    );
    assert.ok(
      check.some((o) => o.title.startsWith('contract/')),
      'the contract of the inferred policy ran',
    );
  });

  it('fails on a credentialed read granted to a hostile origin (cors with origin: true, credentials: true)', async () => {
    const dir = join(work, 'reflecting');
    const run = await runPlaywright(
      work,
      { TARGET_URL: reflectingUrl, DISCOVERY_DIR: dir },
      FAILURES_EXPECTED,
      'tests/discovery.spec.ts',
    );
    assert.equal(run.length, 3);
    for (const outcome of run) {
      assert.equal(outcome.status, 'failed', outcome.project);
      assert.match(
        outcome.message,
        /INSECURE whatever the intent: GET from http:\/\/evil\.example with credentials/,
      );
    }
    const inferred = JSON.parse(readFileSync(join(dir, 'policy.json'), 'utf8'));
    assert.equal(inferred.allowOrigin, 'reflect');
    assert.equal(inferred.allowCredentials, true);
  });
});
