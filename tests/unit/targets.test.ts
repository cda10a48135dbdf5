import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readInputs } from '../../src/input/inputs.ts';
import { JOBS_PER_ENDPOINT, jobsOf, planOf } from '../../src/run/plan.ts';
import { problems } from './input-problems.ts';

/** A directory holding a targets file (and the files it names). */
function world(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'targets-'));
  for (const [name, value] of Object.entries(files))
    writeFileSync(join(dir, name), typeof value === 'string' ? value : JSON.stringify(value));
  return join(dir, 'targets.json');
}

const open = {
  allowOrigin: '*',
  allowMethods: ['GET'],
  allowHeaders: ['Content-Type'],
  methods: ['GET', 'OPTIONS'],
};

describe('a targets file (CORS_TARGETS)', () => {
  it('reads each target with its policy (a file next to it, or inline) over the shared defaults', () => {
    const file = world({
      'orders.json': { methods: ['GET', 'POST', 'OPTIONS'], allowMethods: ['GET', 'POST'] },
      'targets.json': {
        defaults: { pageOrigin: 'https://app.acme.test', policy: { allowOrigin: ['https://app.acme.test'] } },
        targets: [
          { name: 'orders', url: 'https://api.acme.test/orders', policy: './orders.json' },
          { name: 'stock', url: 'https://api.acme.test/stock', policy: open },
        ],
      },
    });
    const inputs = readInputs({ CORS_TARGETS: file });
    assert.equal(inputs.endpoint, null);
    assert.deepEqual(
      inputs.endpoints.map((e) => [e.name, e.url.pathname, e.pageOrigin]),
      [
        ['orders', '/orders', 'https://app.acme.test'],
        ['stock', '/stock', 'https://app.acme.test'],
      ],
    );
    // The default fills what a target's policy leaves out; a target's own value wins.
    assert.deepEqual(inputs.endpoints[0]?.policy?.allowOrigin, ['https://app.acme.test']);
    assert.equal(inputs.endpoints[1]?.policy?.allowOrigin, '*');
    // Each endpoint runs the catalogue's endpoint scenarios and its own contract, grouped by area.
    const plan = planOf(inputs);
    assert.ok(plan.every((c) => c.titles.length === 2));
    assert.deepEqual([...new Set(plan.map((c) => c.titles[0]))], ['orders', 'stock']);
    const contract = (name: string) =>
      plan.find((c) => c.titles[0] === name && c.titles[1] === 'contract')?.scenarios.map((s) => s.id) ?? [];
    assert.ok(contract('orders').includes('contract/method-post-allowed'));
    assert.ok(!contract('stock').includes('contract/method-post-allowed'));
    assert.ok(plan.every((c) => c.scenarios.every((s) => s.scope === 'endpoint' || s.area === 'contract')));
    // In jobs: each endpoint's chunks in order, in runs of about the same size, never mixed.
    const jobs = jobsOf(plan, 2);
    assert.deepEqual(jobs.flat(), plan);
    assert.equal(jobs.length, 4);
    for (const job of jobs) assert.equal(new Set(job.map((c) => c.titles[0])).size, 1);
    const size = (job: typeof plan) => job.reduce((n, c) => n + c.scenarios.length, 0);
    const [a, b] = jobs.slice(0, 2).map(size) as [number, number];
    const largest = Math.max(...plan.filter((c) => c.titles[0] === 'orders').map((c) => c.scenarios.length));
    assert.ok(Math.abs(a - b) < 2 * largest, `orders in jobs of ${a} and ${b} scenarios`);
    assert.equal(jobsOf(plan, 1).length, 2);
    assert.ok(JOBS_PER_ENDPOINT >= 1);
  });
  it('leaves out, and counts, the scenarios that send an API key where a target has none', () => {
    const file = world({
      'targets.json': { targets: [{ name: 'open', url: 'https://api.acme.test/x', policy: open }] },
    });
    const [endpoint] = readInputs({ CORS_TARGETS: file }).endpoints;
    assert.ok((endpoint?.keyless ?? 0) > 0);
    assert.ok(endpoint?.scenarios.every((s) => !s.request.sendApiKey));
    const keyed = world({
      'targets.json': {
        targets: [{ name: 'keyed', url: 'https://api.acme.test/x', policy: { ...open, apiKey: 'k' } }],
      },
    });
    assert.equal(readInputs({ CORS_TARGETS: keyed }).endpoints[0]?.keyless, 0);
  });
  it('names the file and the field of every problem, before anything runs', () => {
    const file = world({
      'bad-policy.json': { allowOrigin: 'https://app.acme.test/', methods: ['GET'] },
      'targets.json': {
        targets: [
          { name: 'a', url: 'ftp://api.acme.test/a', policy: open },
          { name: 'b', url: 'https://api.acme.test/b', policy: { ...open, allowMethods: 'GET' } },
          { name: 'b', url: 'https://api.acme.test/c', policy: './bad-policy.json' },
          { name: 'd', url: 'https://api.acme.test/d', policy: './missing.json' },
        ],
      },
    });
    const found = problems({ CORS_TARGETS: file });
    assert.ok(
      found.some((p) => p.includes('targets.json: targets[0].url: must be an absolute http or https URL')),
      found.join('\n'),
    );
    assert.ok(
      found.some((p) => p.includes(`targets.json: targets[2].name: "b" is also targets[1]'s name`)),
      found.join('\n'),
    );
    // The schema problems come first; once the file's shape is right, each policy is read and checked.
    const shaped = world({
      'bad-policy.json': { allowOrigin: 'https://app.acme.test/', methods: ['GET'] },
      'targets.json': {
        defaults: { policy: { maxAge: -1 } },
        targets: [
          { name: 'b', url: 'https://api.acme.test/b', policy: { ...open, allowMethods: 'GET' } },
          { name: 'c', url: 'https://api.acme.test/c', policy: './bad-policy.json' },
          { name: 'd', url: 'https://api.acme.test/d', policy: './missing.json' },
        ],
      },
    });
    const more = problems({ CORS_TARGETS: shaped }).join('\n');
    assert.match(more, /targets\.json: targets\[0\]\.policy\.allowMethods: /);
    assert.match(more, /bad-policy\.json: allowOrigin(\[0\])?: /);
    assert.match(more, /missing\.json: \(file\) \(targets\[2\]\.policy in .*\): cannot read: /);
    assert.match(more, /targets\.json: defaults\.policy\.maxAge \(for targets\[0\] "b"\): /);
  });
  it('refuses a targets file together with TARGET_URL or CORS_POLICY', () => {
    const file = world({
      'targets.json': { targets: [{ name: 'a', url: 'https://api.acme.test/a', policy: open }] },
    });
    assert.match(
      problems({ CORS_TARGETS: file, TARGET_URL: 'https://x.test/' })[0] ?? '',
      /TARGET_URL: is set with CORS_TARGETS/,
    );
  });
});
