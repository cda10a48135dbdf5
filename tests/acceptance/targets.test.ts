import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadCatalogue, realmWithCatalogue } from '../../scenarios/load.ts';
import { buildServer } from '../../server/build-server.ts';
import { loadRealm } from '../../server/realm.ts';
import { readInputs } from '../../src/input/inputs.ts';
import { planOf } from '../../src/run/plan.ts';
import { FAILURES_EXPECTED, runPlaywright } from './run-playwright.ts';

/**
 * A whole realm in one run: a targets file made from the reference realm's pipeline list
 * (`npm run targets`), each endpoint with its own policy, against the reference server started as
 * a user would start their own, in all three engines.
 */

const work = mkdtempSync(join(tmpdir(), 'targets-'));
const realmFile = loadRealm(undefined);
const app = buildServer(realmWithCatalogue(realmFile, loadCatalogue(realmFile)));
let base = '';
/** Pipelines of different configurations: a wildcard with a key, the realm's defaults, one origin with credentials. */
const PIPELINES = ['cors-example', 'inventory', 'public-catalog', 'partner-api'];

before(async () => {
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
after(() => app.close());

function importRealm(): string {
  const out = join(work, 'targets.json');
  const made = spawnSync(
    'npx',
    ['tsx', 'scripts/targets.ts', '--realm', 'server/realms/reference.json', '--base', base, '--out', out],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(made.status, 0, made.stderr);
  const file = JSON.parse(readFileSync(out, 'utf8')) as { targets: Array<{ name: string }> };
  file.targets = file.targets.filter((t) => PIPELINES.includes(t.name));
  assert.deepEqual(file.targets.map((t) => t.name).sort(), [...PIPELINES].sort());
  writeFileSync(out, JSON.stringify(file, null, 2));
  return out;
}

describe('a targets file: several endpoints, each with its policy, in one run', () => {
  it('passes every scenario of every endpoint in all three engines, and sums up endpoint x engine', async () => {
    const targets = importRealm();
    const results = await runPlaywright(work, { CORS_TARGETS: targets }, []);
    const failed = results.filter((r) => r.status !== 'passed');
    assert.deepEqual(
      failed.map((r) => `${r.project} ${r.describes.join(' > ')} ${r.title}: ${r.message.split('\n')[0]}`),
      [],
    );
    assert.equal(results.exitStatus, 0, results.output.slice(-3000));
    // Every planned test ran: each endpoint's scenarios (its contract included) in each engine.
    const planned = planOf(readInputs({ CORS_TARGETS: targets }));
    const expected = planned.reduce((n, c) => n + c.scenarios.length, 0) * 3;
    assert.equal(results.length, expected);
    for (const name of PIPELINES) {
      for (const engine of ['chromium', 'firefox', 'webkit']) {
        // tests, allowed, blocked, opaque, then unreachable 0 and failed 0.
        const row = new RegExp(`^${name}\\s+${engine}\\s+\\d+\\s+\\d+\\s+\\d+\\s+\\d+\\s+0\\s+0\\s+`, 'm');
        assert.match(results.output, row, `no summary row for ${name} x ${engine}`);
      }
      assert.ok(results.some((r) => r.describes[0] === name && r.describes[1] === 'contract'));
    }
  });

  it('fails only the endpoint whose policy is off, naming the value', async () => {
    const targets = importRealm();
    const file = JSON.parse(readFileSync(targets, 'utf8')) as {
      targets: Array<{ name: string; policy: { allowHeaders: string[] } }>;
    };
    const inventory = file.targets.find((t) => t.name === 'inventory');
    assert.ok(inventory);
    inventory.policy.allowHeaders = [...inventory.policy.allowHeaders, 'X-Extra-Header'];
    const off = join(work, 'one-off.json');
    writeFileSync(off, JSON.stringify(file));
    const results = await runPlaywright(work, { CORS_TARGETS: off }, [
      ...FAILURES_EXPECTED,
      '--project=chromium',
      '--grep',
      'contract/',
    ]);
    const failed = results.filter((r) => r.status !== 'passed');
    assert.deepEqual(failed.map((r) => `${r.describes[0]} ${r.title}`).sort(), [
      'inventory contract/header-x-extra-header-allowed',
      'inventory contract/headers-all-allowed',
    ]);
    assert.ok(
      failed.every((r) => /X-Extra-Header/i.test(r.message)),
      failed.map((r) => r.message).join('\n'),
    );
  });

  it('refuses a malformed targets file before any browser starts, naming the field', async () => {
    const bad = join(work, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({ targets: [{ name: 'x', url: `${base}/x`, policy: { methods: 'GET' } }] }),
    );
    const run = spawnSync('npx', ['playwright', 'test', '--project=chromium'], {
      env: { ...process.env, CORS_TARGETS: bad },
      encoding: 'utf8',
    });
    assert.equal(run.status, 2, run.stdout + run.stderr);
    assert.match(run.stderr, /bad\.json: targets\[0\]\.policy\.methods: /);
    assert.doesNotMatch(run.stdout, /Running \d+ tests/);
  });
});
