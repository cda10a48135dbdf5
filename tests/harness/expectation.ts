import { expect } from '@playwright/test';
import type { CatalogueEntry } from '../../scenarios/load.ts';
import type { HeaderList } from '../cors/fetch-standard.ts';
import { knownDivergence } from '../cors/known-divergences.ts';
import {
  describeReason,
  exposedHeaderNames,
  type OracleReading,
  type OracleRequest,
  type Stage,
} from '../cors/oracle.ts';
import { expectFromPolicy, type Policy } from '../cors/policy.ts';
import type { Backend, EngineName } from '../engines/session.ts';
import type { ScenarioRun } from './run-scenario.ts';
import { describeVerdict, observed, splitWire } from './verdict.ts';

/**
 * What must happen: stated by the scenario record, or derived from a policy (the reference
 * pipeline's configuration, or the endpoint owner's policy file) through the Fetch standard.
 */
export type ExpectedOutcome = {
  /** Where the expectation comes from, for reports: "scenario record" or "policy of pipeline orders". */
  source: string;
  /** Why, in words (the policy reading's reason when blocked). */
  because: string;
  /** Response headers that must be readable / must not be (scenario records). */
  readable: string[];
  hidden: string[];
  /** The policy whose Expose-Headers decides exactly which headers the page reads. */
  exposePolicy: Policy | null;
  /** The methods that must reach the server, in order, with statuses where stated. */
  wire: Array<{ method: string; status?: number }> | null;
  /** Set when the engine is known to depart from the standard here and this is what it does instead. */
  knownDivergence?: string;
} & ({ verdict: 'allowed'; status?: number } | { verdict: 'blocked'; stage: Stage });

function fromReading(
  reading: OracleReading,
  request: OracleRequest,
  policy: Policy,
  source: string,
): ExpectedOutcome {
  const common = { source, readable: [], hidden: [], exposePolicy: policy };
  const wire = [...(reading.preflightRequired ? [{ method: 'OPTIONS' }] : []), { method: request.method }];
  switch (reading.verdict) {
    case 'allowed':
      return { ...common, verdict: 'allowed', because: 'the policy allows it', wire };
    case 'blocked':
      return {
        ...common,
        verdict: 'blocked',
        stage: reading.stage,
        because: describeReason(reading.reason),
        wire:
          reading.stage === 'before-request' ? [] : reading.stage === 'preflight' ? wire.slice(0, 1) : wire,
      };
    case 'incomplete':
      throw new Error(`a policy always yields a judgement; got none for ${request.method}`);
  }
}

export function expectationFor(
  scenario: CatalogueEntry,
  request: OracleRequest,
  policy: { policy: Policy; name: string } | null,
  useRecord: boolean,
): ExpectedOutcome {
  if (useRecord && scenario.expect) {
    const e = scenario.expect;
    const common = {
      source: 'scenario record',
      because: scenario.description,
      exposePolicy: null,
      wire: scenario.wire ?? null,
    };
    return e.verdict === 'allowed'
      ? {
          ...common,
          verdict: 'allowed',
          status: e.status,
          readable: e.readable ?? [],
          hidden: e.hidden ?? [],
        }
      : { ...common, verdict: 'blocked', stage: e.stage, readable: [], hidden: [] };
  }
  if (!policy)
    throw new Error(`${scenario.id}: no expectation in the record and no policy to derive one from`);
  return fromReading(expectFromPolicy(policy.policy, request), request, policy.policy, policy.name);
}

/** What this engine is expected to do: the expectation, unless a known divergence says otherwise. */
export function inEngine(
  expected: ExpectedOutcome,
  engine: EngineName,
  backend: Backend['kind'],
  request: OracleRequest,
): ExpectedOutcome {
  const divergence = knownDivergence(engine, backend, request);
  if (!divergence) return expected;
  return {
    ...expected,
    ...divergence.behaviour,
    because: `${divergence.note} (known divergence ${divergence.id}; by the standard: ${describeExpected(expected)})`,
    wire: divergence.behaviour.stage === 'before-request' ? [] : expected.wire,
    knownDivergence: divergence.id,
  };
}

export function describeExpected(expected: ExpectedOutcome): string {
  const what =
    expected.verdict === 'allowed'
      ? `allowed${expected.status !== undefined ? ` (status ${expected.status})` : ''}`
      : `blocked at the ${expected.stage}`;
  return `${what}, per ${expected.source}: ${expected.because}`;
}

/** Why the verdict is what it is, in words, for assertion messages. */
export function explain(run: ScenarioRun): string {
  const oracle =
    run.oracle.verdict === 'blocked'
      ? `oracle: blocked at the ${run.oracle.stage}: ${describeReason(run.oracle.reason)}`
      : run.oracle.verdict === 'allowed'
        ? `oracle: allowed (status ${run.oracle.status})`
        : `oracle: no judgement, the ${run.oracle.missing} did not reach the server`;
  const wire =
    run.wire.map((e) => `${e.method} ${e.status ?? '?'}${e.failure ? ` (${e.failure})` : ''}`).join(', ') ||
    'nothing';
  const said =
    run.messages.map((m) => m.text).join(' | ') ||
    (run.messagesAvailable ? 'nothing' : 'n/a for this backend');
  return [
    `${run.scenario.id} in ${run.engine}: the engine ${describeVerdict(run.verdict)}`,
    `expected: ${describeExpected(run.expected)}`,
    oracle,
    `wire: ${wire}`,
    `engine said: ${said}`,
    run.divergence ? `DIVERGENCE: ${run.divergence}` : null,
  ]
    .filter(Boolean)
    .join('\n');
}

/** The headers a page must read when the endpoint exposes what the policy says, given what it sent. */
export function readableUnderPolicy(run: ScenarioRun, policy: Policy): string[] | null {
  const actual = observed(splitWire(run.wire).actual);
  if (!actual) return null;
  const headers: HeaderList = [
    ...actual.headers.filter(([n]) => n.toLowerCase() !== 'access-control-expose-headers'),
    ...(policy.exposeHeaders.length > 0
      ? [['access-control-expose-headers', policy.exposeHeaders.join(', ')] as const]
      : []),
  ];
  return exposedHeaderNames(run.oracleRequest, { status: actual.status, headers });
}

/**
 * The assertion: what the engine did equals what is expected. The verdict is compared first;
 * readable headers and the wire are soft assertions so that one failure shows all of them.
 */
export function assertExpectation(run: ScenarioRun): void {
  const expected = run.expected;
  const message = explain(run);
  if (expected.verdict === 'allowed') {
    const withStatus = expected.status !== undefined;
    const got =
      run.verdict.kind === 'allowed'
        ? { verdict: 'allowed', ...(withStatus ? { status: run.verdict.status } : {}) }
        : { verdict: describeVerdict(run.verdict) };
    expect(got, message).toEqual({ verdict: 'allowed', ...(withStatus ? { status: expected.status } : {}) });
    if (run.verdict.kind === 'allowed') {
      const readable = run.verdict.readable;
      for (const name of expected.readable)
        expect.soft(readable, `${name} is readable by the page`).toContain(name);
      for (const name of expected.hidden)
        expect.soft(readable, `${name} is hidden from the page`).not.toContain(name);
      const underPolicy = expected.exposePolicy ? readableUnderPolicy(run, expected.exposePolicy) : null;
      if (underPolicy) {
        expect
          .soft(
            readable,
            `the response headers the page reads, with Access-Control-Expose-Headers as the policy says (${expected.exposePolicy?.exposeHeaders.join(', ') || 'none'})\n${message}`,
          )
          .toEqual(underPolicy);
      }
    }
  } else {
    const got =
      run.verdict.kind === 'blocked'
        ? { verdict: 'blocked', stage: run.verdict.stage }
        : { verdict: describeVerdict(run.verdict) };
    expect(got, message).toEqual({ verdict: 'blocked', stage: expected.stage });
  }
  if (expected.wire) {
    const gotWire = run.wire.map((e, i) =>
      expected.wire?.[i]?.status !== undefined
        ? { method: e.method, status: e.status }
        : { method: e.method },
    );
    expect.soft(gotWire, `what reached the server\n${message}`).toEqual(expected.wire);
  }
}
