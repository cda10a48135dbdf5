import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type OracleRequest,
  outcomeOfReading,
  preflightNeeded,
  readWire,
} from '../../src/fetch-standard/oracle.ts';
import type { HeaderList } from '../../src/fetch-standard/rules.ts';
import { discover, type Probe, type ProbeResult } from '../../src/policy/discovery.ts';
import { Policy, simulate } from '../../src/policy/policy.ts';
import type { WireExchange } from '../../src/wire/exchange.ts';

/**
 * Discovery's inference, over a server simulated from a policy and judged by the oracle (the engines
 * do this in tests/acceptance/discovery.test.ts): what it infers is the policy the server was built from.
 */
const PAGE = 'https://app.example.test';
let seq = 0;

function serverOf(policy: Policy) {
  return async (probe: Probe): Promise<ProbeResult> => {
    const request: OracleRequest = {
      url: 'https://api.example.test/x',
      method: probe.method,
      headers: Object.entries(probe.headers) as HeaderList,
      credentials: probe.credentials,
      origin: probe.origin,
    };
    const answers = simulate(policy, request);
    const exchange = (method: string, answer: { status: number; headers: HeaderList }): WireExchange => ({
      seq: ++seq,
      method,
      url: '/x',
      requestHeaders: [['origin', probe.origin]],
      status: answer.status,
      responseHeaders: answer.headers.map(([n, v]) => [n, v]),
    });
    const reading = readWire(request, answers);
    const verdict = outcomeOfReading(reading);
    assert.ok(verdict);
    const wire = [
      ...(preflightNeeded(request).needed && answers.preflight
        ? [exchange('OPTIONS', answers.preflight)]
        : []),
      ...(verdict.verdict === 'blocked' && verdict.stage === 'preflight'
        ? []
        : answers.actual
          ? [exchange(probe.method, answers.actual)]
          : []),
    ];
    return { probe, verdict, wire };
  };
}

const infer = async (fields: Record<string, unknown>, key?: { header: string; value: string }) =>
  (await discover(serverOf(Policy.parse(fields)), PAGE, key)).policy;

describe('discovery infers the policy a server was configured with', () => {
  it("the seed's trigger: Allow-Origin *, GET, Authorization, Content-Type, apikey", async () => {
    const inferred = await infer(
      {
        allowOrigin: '*',
        allowMethods: ['GET'],
        allowHeaders: ['Authorization', 'Content-Type', 'apikey'],
        methods: ['GET', 'OPTIONS'],
      },
      { header: 'apikey', value: 'demo-key' },
    );
    assert.equal(inferred.allowOrigin, '*');
    assert.deepEqual(inferred.allowMethods, ['GET']);
    assert.deepEqual(inferred.allowHeaders, ['Authorization', 'Content-Type', 'apikey']);
    assert.deepEqual(inferred.methods, ['GET', 'OPTIONS']);
    assert.equal(inferred.allowCredentials, false);
  });
  it('an origin list with credentials, and what it exposes', async () => {
    const inferred = await infer({
      allowOrigin: [PAGE],
      allowMethods: ['GET', 'PUT'],
      allowHeaders: ['X-Tenant'],
      exposeHeaders: ['X-Request-Id'],
      allowCredentials: true,
      methods: ['GET', 'PUT', 'OPTIONS'],
    });
    assert.deepEqual(inferred.allowOrigin, [PAGE]);
    assert.deepEqual(inferred.allowMethods, ['GET', 'PUT']);
    assert.equal(inferred.allowCredentials, true);
    assert.deepEqual(inferred.exposeHeaders, ['X-Request-Id']);
    assert.deepEqual(inferred.methods, ['GET', 'PUT', 'OPTIONS']);
  });
  it('whether HEAD is served (answered as GET, or 404), which a page sends without a preflight', async () => {
    const served = await infer({ allowOrigin: '*', methods: ['GET', 'HEAD', 'OPTIONS'] });
    assert.deepEqual(served.methods, ['GET', 'HEAD', 'OPTIONS']);
    const unserved = await infer({ allowOrigin: '*', methods: ['GET', 'OPTIONS'] });
    assert.deepEqual(unserved.methods, ['GET', 'OPTIONS']);
  });
  it('reflection with credentials: inferred as such, and insecure whatever the intent', async () => {
    const found = await discover(
      serverOf(
        Policy.parse({
          allowOrigin: 'reflect',
          allowHeaders: 'reflect',
          allowCredentials: true,
          methods: ['GET', 'OPTIONS'],
        }),
      ),
      PAGE,
    );
    assert.equal(found.policy.allowOrigin, 'reflect');
    assert.equal(found.policy.allowHeaders, 'reflect');
    assert.deepEqual(
      found.insecure.map((i) => i.what),
      ['a hostile origin reads with credentials', '`null` trusted with credentials'],
    );
  });
  it('reflection without credentials is not insecure', async () => {
    const found = await discover(serverOf(Policy.parse({ allowOrigin: 'reflect', methods: ['GET'] })), PAGE);
    assert.deepEqual(found.insecure, []);
  });
});
