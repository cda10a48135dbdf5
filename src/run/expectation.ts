import { expect } from '@playwright/test';
import type { CatalogueEntry } from '../../scenarios/load.ts';
import type { Expectation, WireStep } from '../../scenarios/schema.ts';
import type { EngineName, UsableBackend } from '../engines/session.ts';
import { knownDivergence } from '../fetch-standard/known-divergences.ts';
import {
  describeReading,
  describeReason,
  exposedHeaderNames,
  type OracleReading,
  type OracleRequest,
  type Stage,
} from '../fetch-standard/oracle.ts';
import { getHeader, type HeaderList, hasHeader } from '../fetch-standard/rules.ts';
import { expectFromPolicy, type Policy } from '../policy/policy.ts';
import type { WireExchange } from '../wire/exchange.ts';
import type { ScenarioRun } from './run-scenario.ts';
import { describeVerdict, describeWire, hopsOf, observed, type Verdict } from './verdict.ts';

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
  /** What must reach the server, in order: methods, and statuses or request headers where stated. */
  wire: WireStep[] | null;
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

/** A recorded expectation (the scenario's, or an engine divergence's) as the outcome to assert. */
function fromRecord(
  e: Expectation,
): Pick<ExpectedOutcome, 'readable' | 'hidden'> &
  ({ verdict: 'allowed'; status?: number } | { verdict: 'blocked'; stage: Stage }) {
  return e.verdict === 'allowed'
    ? { verdict: 'allowed', status: e.status, readable: e.readable ?? [], hidden: e.hidden ?? [] }
    : { verdict: 'blocked', stage: e.stage, readable: [], hidden: [] };
}

export function expectationFor(
  scenario: CatalogueEntry,
  request: OracleRequest,
  policy: { policy: Policy; name: string } | null,
  useRecord: boolean,
): ExpectedOutcome {
  if (useRecord && scenario.expect) {
    return {
      source: 'scenario record',
      because: scenario.description,
      exposePolicy: null,
      wire: scenario.wire ?? null,
      ...fromRecord(scenario.expect),
    };
  }
  if (!policy)
    throw new Error(`${scenario.id}: no expectation in the record and no policy to derive one from`);
  const derived = fromReading(expectFromPolicy(policy.policy, request), request, policy.policy, policy.name);
  // A policy says what one fetch does; what repeats share through the preflight cache is the record's to say.
  return scenario.repeat > 1 ? { ...derived, wire: null } : derived;
}

/**
 * What this engine is expected to do: the expectation, unless the engine is known to depart from the
 * standard here (the scenario record's `divergences`, or a class of requests in known-divergences.ts).
 */
export function inEngine(
  expected: ExpectedOutcome,
  context: {
    scenario: CatalogueEntry;
    engine: EngineName;
    backend: UsableBackend['kind'];
    useRecord: boolean;
  },
  request: OracleRequest,
): ExpectedOutcome {
  const standard = describeExpected(expected);
  const recorded = context.useRecord ? context.scenario.divergences?.[context.engine] : undefined;
  if (recorded?.backends.includes(context.backend)) {
    return {
      ...expected,
      ...fromRecord(recorded.expect),
      because: `${recorded.note} (known divergence; by the standard: ${standard})`,
      wire: recorded.wire ?? null,
      exposePolicy: null,
      knownDivergence: `${context.scenario.id} in ${context.engine}`,
    };
  }
  const known = knownDivergence(context.engine, context.backend, request);
  if (!known) return expected;
  return {
    ...expected,
    ...known.behaviour,
    because: `${known.note} (known divergence ${known.id}; by the standard: ${standard})`,
    wire: known.behaviour.stage === 'before-request' ? [] : expected.wire,
    knownDivergence: known.id,
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
  const said =
    run.messages.map((m) => m.text).join(' | ') ||
    (run.messagesAvailable ? 'nothing' : 'n/a for this backend');
  return [
    `${run.scenario.id} in ${run.engine}: the engine ${describeVerdict(run.verdict)}`,
    `expected: ${describeExpected(run.expected)}`,
    `oracle: ${describeReading(run.oracle)}`,
    `wire: ${describeWire(run.wire)}`,
    `engine said: ${said}`,
    run.divergence ? `DIVERGENCE: ${run.divergence}` : null,
    ...run.findings.map((f) => `FLAW: ${f.flaw}: ${f.evidence}`),
  ]
    .filter(Boolean)
    .join('\n');
}

/** The headers a page must read when the endpoint exposes what the policy says, given what it sent. */
export function readableUnderPolicy(run: ScenarioRun, policy: Policy): string[] | null {
  const actual = observed(hopsOf(run.wire).at(-1)?.actual ?? null);
  if (!actual) return null;
  const headers: HeaderList = [
    ...actual.headers.filter(([n]) => n.toLowerCase() !== 'access-control-expose-headers'),
    ...(policy.exposeHeaders.length > 0
      ? [['access-control-expose-headers', policy.exposeHeaders.join(', ')] as const]
      : []),
  ];
  return exposedHeaderNames(run.oracleRequest, { status: actual.status, headers });
}

/** The verdict as the expectation sees it: only the fields the expectation states. */
function verdictShape(verdict: Verdict, expected: ExpectedOutcome): Record<string, unknown> {
  if (expected.verdict === 'allowed') {
    if (verdict.kind !== 'allowed') return { verdict: describeVerdict(verdict) };
    return { verdict: 'allowed', ...(expected.status !== undefined ? { status: verdict.status } : {}) };
  }
  return verdict.kind === 'blocked'
    ? { verdict: 'blocked', stage: verdict.stage }
    : { verdict: describeVerdict(verdict) };
}

/** A recorded exchange as a wire step states it: only the fields the step names. */
function wireShape(exchange: WireExchange, step: WireStep | undefined): Record<string, unknown> {
  const shape: Record<string, unknown> = { method: exchange.method };
  if (step?.status !== undefined) shape.status = exchange.status;
  if (step?.origin !== undefined) shape.origin = getHeader(exchange.requestHeaders as HeaderList, 'origin');
  if (step?.with)
    shape.with = step.with.filter((name) => hasHeader(exchange.requestHeaders as HeaderList, name));
  if (step?.without)
    shape.without = step.without.filter((name) => !hasHeader(exchange.requestHeaders as HeaderList, name));
  return shape;
}

/** The verdict an expectation asks for, in the shape verdictShape gives. */
function wantedShape(expected: ExpectedOutcome): Record<string, unknown> {
  return expected.verdict === 'allowed'
    ? { verdict: 'allowed', ...(expected.status !== undefined ? { status: expected.status } : {}) }
    : { verdict: 'blocked', stage: expected.stage };
}

/** Whether every fetch of the run got the expected verdict (the assertion's first and main check). */
export function verdictsMatch(run: ScenarioRun): boolean {
  const want = JSON.stringify(wantedShape(run.expected));
  return run.fetches.every((f) => JSON.stringify(verdictShape(f.verdict, run.expected)) === want);
}

/**
 * The assertion: what the engine did equals what is expected, for every fetch of the scenario. The
 * verdict is compared first; readable headers and the wire are soft assertions so that one failure
 * shows all of them.
 */
export function assertExpectation(run: ScenarioRun): void {
  const expected = run.expected;
  const message = explain(run);
  const want = wantedShape(expected);
  run.fetches.forEach((fetch, index) => {
    const which = run.fetches.length > 1 ? `fetch ${index + 1} of ${run.fetches.length}: ` : '';
    expect(verdictShape(fetch.verdict, expected), `${which}${message}`).toEqual(want);
  });
  if (expected.verdict === 'allowed' && run.verdict.kind === 'allowed') {
    const readable = run.verdict.readable;
    for (const name of expected.readable)
      expect.soft(readable, `${name} is readable by the page`).toContain(name);
    for (const name of expected.hidden)
      expect.soft(readable, `${name} is hidden from the page`).not.toContain(name);
    const underPolicy = expected.exposePolicy ? readableUnderPolicy(run, expected.exposePolicy) : null;
    if (underPolicy) {
      const exposed = expected.exposePolicy?.exposeHeaders.join(', ') || 'none';
      expect
        .soft(
          readable,
          `the response headers the page reads, with Access-Control-Expose-Headers as the policy says (${exposed})\n${message}`,
        )
        .toEqual(underPolicy);
    }
  }
  if (expected.wire) {
    const steps = expected.wire;
    const got = run.wire.map((exchange, i) => wireShape(exchange, steps[i]));
    expect.soft(got, `what reached the server\n${message}`).toEqual(steps);
  }
}
