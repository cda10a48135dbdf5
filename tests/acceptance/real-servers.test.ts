import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { defaultPageOrigin, readInputs } from '../../src/input/inputs.ts';
import { differences, type ExpectedOutcome, type Outcome } from '../../src/outcome/outcome.ts';
import { CONTRACT_AREA } from '../../src/policy/contract.ts';
import { expectationFor } from '../../src/run/expectation.ts';
import { fetchSpec, oracleRequest } from '../../src/run/run-scenario.ts';
import { createTarget } from '../../src/run/target.ts';
import {
  type CorsConfig,
  REAL_SERVER_FACTS,
  REAL_SERVER_KINDS,
  type RealServerKind,
  startRealServer,
} from './real-servers.ts';
import { FAILURES_EXPECTED, runPlaywright } from './run-playwright.ts';

/**
 * The owner's contract against CORS implementations this project did not write (Debian's nginx,
 * Express with cors, Hono's cors middleware, Flask-CORS configured and with its defaults): the
 * truthful policy passes the catalogue and the contract in all three engines; a policy one header,
 * one origin, one method or one exposed header off fails exactly the contract scenarios about that
 * value (those whose expectation the change moves), in one engine, and each failure names the value.
 */

const work = mkdtempSync(join(tmpdir(), 'real-servers-'));
// The endpoints are plain http on localhost: the page origin defaults to http://app.example.test.
const APP = defaultPageOrigin(new URL('http://localhost/'));
const CONFIG: CorsConfig = {
  origins: [APP, 'http://partner.example.test'],
  methods: ['GET', 'POST', 'PUT'],
  headers: ['Content-Type', 'apikey', 'X-Trace-Id', 'Authorization'],
  exposeHeaders: ['X-Request-Id'],
  credentials: true,
};

/** What each server is configured to do, in the policy's terms: what its owner would write. */
function truthfulPolicy(kind: RealServerKind): Record<string, unknown> {
  const facts = REAL_SERVER_FACTS[kind];
  const served = [...CONFIG.methods, 'OPTIONS', ...(facts.headWithGet ? ['HEAD'] : [])];
  const common = {
    methods: served,
    preflightStatus: facts.preflightStatus,
    apiKey: 'acceptance-key',
    corsOnErrors: facts.corsOnUnserved,
  };
  if (kind === 'flask-cors-defaults') {
    // `CORS(app)`: any origin echoed, any requested header echoed, every method listed, no credentials.
    return {
      ...common,
      allowOrigin: 'reflect',
      allowHeaders: 'reflect',
      allowMethods: ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'],
    };
  }
  return {
    ...common,
    allowOrigin: CONFIG.origins,
    allowMethods: CONFIG.methods,
    allowHeaders: CONFIG.headers,
    exposeHeaders: CONFIG.exposeHeaders,
    allowCredentials: CONFIG.credentials,
  };
}

/** One value off: what the owner believes and the server does not do, and how a failure names it. */
const VARIANTS: Array<{
  name: string;
  applies: (kind: RealServerKind) => boolean;
  change: (policy: Record<string, unknown>) => Record<string, unknown>;
  value: RegExp;
}> = [
  {
    name: 'one header off',
    applies: (kind) => kind !== 'flask-cors-defaults',
    change: (p) => ({ ...p, allowHeaders: [...(p.allowHeaders as string[]), 'X-Extra-Header'] }),
    value: /x-extra-header/i,
  },
  {
    // A typo in a partner origin (.org for .test): a mismatch, never "origin reflection".
    name: 'one origin off',
    applies: (kind) => kind !== 'flask-cors-defaults',
    change: (p) => ({ ...p, allowOrigin: [APP, 'http://partner.example.org'] }),
    value: /partner\.example\.org/,
  },
  {
    name: 'one method off',
    applies: (kind) => kind !== 'flask-cors-defaults',
    change: (p) => ({ ...p, allowMethods: [...(p.allowMethods as string[]), 'DELETE'] }),
    value: /DELETE/,
  },
  {
    name: 'one exposed header off',
    applies: () => true,
    change: (p) => ({ ...p, exposeHeaders: [...((p.exposeHeaders as string[]) ?? []), 'X-Extra-Exposed'] }),
    value: /x-extra-exposed/i,
  },
];

let files = 0;
function policyFile(policy: object): string {
  const file = join(work, `policy-${++files}.json`);
  writeFileSync(file, JSON.stringify(policy, null, 2));
  return file;
}

/**
 * The contract scenarios a policy change moves: those of the changed policy whose expectation differs
 * from what the truthful policy expects of the very same request (what the server really does).
 */
function moved(targetUrl: string, truthful: string, variant: string): string[] {
  const truth = readInputs({ TARGET_URL: targetUrl, CORS_POLICY: truthful }).endpoint?.policy;
  const inputs = readInputs({ TARGET_URL: targetUrl, CORS_POLICY: variant });
  const claimed = inputs.endpoint?.policy;
  assert.ok(truth && claimed);
  const target = createTarget(inputs);
  const asOutcome = (e: ExpectedOutcome): Outcome =>
    e.verdict === 'allowed'
      ? { verdict: 'allowed', status: 200, readable: e.readable ?? [] }
      : e.verdict === 'blocked'
        ? { verdict: 'blocked', stage: e.stage }
        : { verdict: 'unreachable', cause: 'timeout', detail: '' };
  return inputs.catalogue.scenarios
    .filter((s) => s.area === CONTRACT_AREA)
    .filter((scenario) => {
      const request = oracleRequest(
        fetchSpec(scenario, target, 't'),
        scenario.pageOrigin ?? inputs.pageOrigin,
      );
      const a = expectationFor(scenario, request, { policy: claimed, name: 'variant' }, false).outcome;
      // The truthful server exposes only what the truthful policy says.
      const reads = scenario.reads?.filter((h) => truth.exposeHeaders.some((e) => e.toLowerCase() === h));
      const b = expectationFor(
        { ...scenario, reads },
        request,
        { policy: truth, name: 'truth' },
        false,
      ).outcome;
      return differences(a, asOutcome(b)).length > 0 || differences(b, asOutcome(a)).length > 0;
    })
    .map((s) => s.id)
    .sort();
}

for (const kind of REAL_SERVER_KINDS) {
  describe(`${kind}: the contract against a real CORS implementation`, { timeout: 15 * 60_000 }, () => {
    it('passes the catalogue and the contract in all three engines with the truthful policy; fails exactly the moved contract scenarios, naming the value, for each value off', async () => {
      const server = await startRealServer(kind, CONFIG);
      try {
        const truthful = policyFile(truthfulPolicy(kind));
        const env = { TARGET_URL: server.url, CORS_POLICY: truthful };
        const all = await runPlaywright(work, env, []);
        const failed = all.filter((o) => o.status !== 'passed' && o.status !== 'skipped');
        assert.deepEqual(
          failed.map((o) => `[${o.project}] ${o.title}: ${o.message.split('\n').slice(0, 3).join(' | ')}`),
          [],
          `${server.version}: the truthful policy passes`,
        );
        const contract = all.filter((o) => o.title.startsWith(`${CONTRACT_AREA}/`));
        assert.ok(contract.length > 20, `the contract ran (${contract.length} tests)`);
        assert.deepEqual([...new Set(all.map((o) => o.project))].sort(), ['chromium', 'firefox', 'webkit']);

        for (const variant of VARIANTS.filter((v) => v.applies(kind))) {
          const changed = policyFile(variant.change(truthfulPolicy(kind)));
          const expected = moved(server.url, truthful, changed);
          assert.ok(expected.length > 0, `${variant.name} moves some contract scenario`);
          const run = await runPlaywright(work, { TARGET_URL: server.url, CORS_POLICY: changed }, [
            '--project=chromium',
            '--grep',
            `${CONTRACT_AREA}/`,
            ...FAILURES_EXPECTED,
          ]);
          const failing = run.filter((o) => o.status === 'failed');
          assert.deepEqual(
            failing.map((o) => o.title).sort(),
            expected,
            `${kind}, ${variant.name}: exactly the contract scenarios about the value fail\n${failing
              .filter((o) => !expected.includes(o.title))
              .map((o) => `unexpected: ${o.title}: ${o.message.split('\n').slice(0, 8).join(' | ')}`)
              .join('\n')}`,
          );
          for (const failure of failing) {
            assert.match(
              `${failure.title}\n${failure.message}`,
              variant.value,
              `${failure.title} names the value`,
            );
            assert.doesNotMatch(
              failure.message,
              /FLAW: origin reflection/,
              'a mismatch is not reported as reflection',
            );
          }
        }
      } finally {
        await server.stop();
      }
    });
  });
}
