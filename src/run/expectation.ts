import { isDeepStrictEqual } from 'node:util';
import { expect } from '@playwright/test';
import type { CatalogueEntry } from '../../scenarios/load.ts';
import type { WireStep } from '../../scenarios/schema.ts';
import type { EngineName, UsableBackend } from '../engines/session.ts';
import { knownDivergence } from '../fetch-standard/known-divergences.ts';
import {
  describeReading,
  exposedHeaderNames,
  type OracleReading,
  type OracleRequest,
} from '../fetch-standard/oracle.ts';
import { getHeader, type HeaderList, hasHeader } from '../fetch-standard/rules.ts';
import { describeFinding } from '../flaws/flaws.ts';
import {
  type BlockReason,
  describeExpectedOutcome,
  describeOutcome,
  describeReason,
  differences,
  type ExpectedOutcome,
} from '../outcome/outcome.ts';
import { expectFromPolicy, type Policy } from '../policy/policy.ts';
import { cookiePairs, type WireExchange } from '../wire/exchange.ts';
import { type FetchRun, type ScenarioRun, wireOfRun } from './run-scenario.ts';
import { describeWire, hopsOf, observed } from './verdict.ts';

/**
 * What must happen: stated by the scenario record, or derived from a policy (the reference
 * pipeline's configuration, or the endpoint owner's policy file) through the Fetch standard.
 */
export interface Expectation {
  /** Where the expectation comes from, for reports: "scenario record" or "policy of pipeline orders". */
  source: string;
  /** Why, in words (the policy reading's reason when blocked). */
  because: string;
  /** The outcome every fetch of the scenario must have. */
  outcome: ExpectedOutcome;
  /** The policy whose Expose-Headers decides exactly which headers the page reads. */
  exposePolicy: Policy | null;
  /** What must reach the server, in order: methods, and statuses or request headers where stated. */
  wire: WireStep[] | null;
  /** Set when the engine is known to depart from the standard here and this is what it does instead. */
  knownDivergence?: string;
  /** Why the policy's reading blocks (its full reason), for the divergences that depend on it. */
  reason?: BlockReason;
  /**
   * What the policy gives when the check that blocks is skipped, as engines that depart from the
   * standard skip it (a KnownDivergence with `skips`): the outcome and the wire after that check.
   */
  withoutCheck?: Pick<Expectation, 'outcome' | 'wire' | 'because'>;
}

function fromReading(
  reading: OracleReading,
  request: OracleRequest,
  policy: Policy,
  source: string,
): Expectation {
  const common = { source, exposePolicy: policy };
  const wire = [...(reading.preflightRequired ? [{ method: 'OPTIONS' }] : []), { method: request.method }];
  switch (reading.verdict) {
    case 'allowed':
      return { ...common, outcome: { verdict: 'allowed' }, because: 'the policy allows it', wire };
    case 'blocked':
      return {
        ...common,
        reason: reading.reason,
        outcome: { verdict: 'blocked', stage: reading.stage, reason: reading.reason.code },
        because: describeReason(reading.reason),
        wire:
          reading.stage === 'before-request' ? [] : reading.stage === 'preflight' ? wire.slice(0, 1) : wire,
      };
    case 'opaque':
      return {
        ...common,
        exposePolicy: null,
        outcome: { verdict: 'opaque' },
        because:
          request.api === 'beacon'
            ? 'the policy lets the beacon be sent, and the page never reads its answer'
            : 'a `no-cors` request is sent whatever the policy says, and its response is opaque',
        wire,
      };
    case 'incomplete':
      throw new Error(`a policy always yields a judgement; got none for ${request.method}`);
  }
}

/**
 * The one check an engine is known to skip (src/fetch-standard/known-divergences.ts, `skips`): with
 * `*` in Allow-Headers and no credentials, Authorization not listed. What the policy gives without it
 * is what such an engine must do: the request goes on, and the rest of the answer decides.
 */
function withSkippedCheck(
  expected: Expectation,
  request: OracleRequest,
  { policy, name }: { policy: Policy; name: string },
): Expectation {
  const reason = expected.reason;
  if (reason?.code !== 'authorization-not-listed' || !Array.isArray(policy.allowHeaders)) return expected;
  const covered = { ...policy, allowHeaders: [...policy.allowHeaders, 'Authorization'] };
  const { outcome, wire, because } = fromReading(expectFromPolicy(covered, request), request, covered, name);
  return { ...expected, withoutCheck: { outcome, wire, because } };
}

export function expectationFor(
  scenario: CatalogueEntry,
  request: OracleRequest,
  policy: { policy: Policy; name: string } | null,
  useRecord: boolean,
): Expectation {
  if (useRecord && scenario.expect) {
    return {
      source: 'scenario record',
      because: scenario.description,
      exposePolicy: null,
      wire: scenario.wire ?? null,
      outcome: scenario.expect,
    };
  }
  if (!policy)
    throw new Error(`${scenario.id}: no expectation in the record and no policy to derive one from`);
  const reading = withSkippedCheck(
    fromReading(expectFromPolicy(policy.policy, request), request, policy.policy, policy.name),
    request,
    policy,
  );
  const derived =
    scenario.reads && reading.outcome.verdict === 'allowed'
      ? { ...reading, outcome: { ...reading.outcome, readable: scenario.reads } }
      : reading;
  // A policy says what one fetch does; what repeats and the requests sent before share through the
  // preflight cache is the record's to say.
  return scenario.repeat > 1 || (scenario.before ?? []).length > 0 ? { ...derived, wire: null } : derived;
}

/**
 * What this engine is expected to do: the expectation, unless the engine is known to depart from the
 * standard here (the scenario record's `divergences`, or a class of requests in known-divergences.ts).
 */
export function inEngine(
  expected: Expectation,
  context: {
    scenario: CatalogueEntry;
    engine: EngineName;
    backend: UsableBackend['kind'];
    useRecord: boolean;
  },
  request: OracleRequest,
): Expectation {
  const standard = describeExpected(expected);
  const recorded = appliesHere(expected, context)
    ? context.scenario.divergences?.[context.engine]
    : undefined;
  if (recorded?.backends.includes(context.backend)) {
    return {
      ...expected,
      outcome: recorded.expect,
      because: `${recorded.note} (known divergence; by the standard: ${standard})`,
      wire: recorded.wire ?? null,
      exposePolicy: null,
      knownDivergence: `${context.scenario.id} in ${context.engine}`,
    };
  }
  const known = knownDivergence(context.engine, context.backend, request, expected.reason);
  if (!known) return expected;
  if (known.skips) {
    // The engine skips one check: what follows is what the rest of the answer gives.
    const instead = expected.withoutCheck;
    if (!instead) return expected;
    return {
      ...expected,
      ...instead,
      because: `${known.note} (known divergence ${known.id}; by the standard: ${standard}); without that check: ${instead.because}`,
      knownDivergence: known.id,
    };
  }
  const blockedBeforeSending =
    known.behaviour.verdict === 'blocked' && known.behaviour.stage === 'before-request';
  return {
    ...expected,
    outcome: known.behaviour,
    because: `${known.note} (known divergence ${known.id}; by the standard: ${standard})`,
    wire: blockedBeforeSending ? [] : expected.wire,
    knownDivergence: known.id,
  };
}

/**
 * Whether the record's divergences hold for this expectation. Against the reference realm, always;
 * against a target, only when the policy leads the standard to what the record itself expects, for
 * the reason the record states (the target then answers as the reference pipeline does, so the engine
 * departs the same way). A record that states no reason holds only for the reference realm; classes
 * of divergences that hold anywhere are in src/fetch-standard/known-divergences.ts.
 */
function appliesHere(
  expected: Expectation,
  context: { scenario: CatalogueEntry; useRecord: boolean },
): boolean {
  if (context.useRecord) return true;
  const stated = context.scenario.expect;
  if (!stated) return false;
  return (
    stated.verdict === 'blocked' &&
    expected.outcome.verdict === 'blocked' &&
    stated.stage === expected.outcome.stage &&
    stated.reason !== undefined &&
    stated.reason === expected.reason?.code
  );
}

export function describeExpected(expected: Expectation): string {
  return `${describeExpectedOutcome(expected.outcome)}, per ${expected.source}: ${expected.because}`;
}

/** Why one fetch's verdict is what it is, in words, for assertion messages and reports. */
export function explain(run: ScenarioRun, fetch: FetchRun): string {
  const said =
    fetch.messages.map((m) => m.text).join(' | ') ||
    (run.messagesAvailable ? 'nothing' : 'n/a for this backend');
  const which = run.fetches.length > 1 ? `, fetch ${fetch.index} of ${run.fetches.length}` : '';
  return [
    `${run.scenario.id} in ${run.engine}${which}: the engine ${describeOutcome(fetch.verdict)}`,
    `expected: ${describeExpected(run.expected)}`,
    run.scenario.standardsDisagree
      ? `WPT and the Fetch standard's text disagree (expected as WPT asserts): ${run.scenario.standardsDisagree.note}`
      : null,
    `oracle: ${describeReading(fetch.oracle)}`,
    run.setup.length > 0 ? `before it: ${describeWire(run.setup)}` : null,
    `wire: ${describeWire(fetch.wire)}`,
    `engine said: ${said}`,
    fetch.divergence ? `DIVERGENCE: ${fetch.divergence}` : null,
    ...run.findings.map(describeFinding),
    ...run.mismatches.map(
      (origin) =>
        `POLICY MISMATCH: the server let ${origin} in, which the policy does not allow (not a flaw: the policy or the server is wrong)`,
    ),
  ]
    .filter(Boolean)
    .join('\n');
}

/** The headers a page must read when the endpoint exposes what the policy says, given what it sent. */
export function readableUnderPolicy(run: ScenarioRun, fetch: FetchRun, policy: Policy): string[] | null {
  const actual = observed(hopsOf(fetch.wire).at(-1)?.actual ?? null);
  if (!actual) return null;
  const headers: HeaderList = [
    ...actual.headers.filter(([n]) => n.toLowerCase() !== 'access-control-expose-headers'),
    ...(policy.exposeHeaders.length > 0
      ? [['access-control-expose-headers', policy.exposeHeaders.join(', ')] as const]
      : []),
  ];
  return exposedHeaderNames(run.oracleRequest, { status: actual.status, headers });
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
  if (step?.cookies) {
    const sent = cookiePairs(getHeader(exchange.requestHeaders as HeaderList, 'cookie')).map(
      ([name]) => name,
    );
    shape.cookies = Object.fromEntries(Object.keys(step.cookies).map((name) => [name, sent.includes(name)]));
  }
  if (step?.headers)
    shape.headers = Object.fromEntries(
      Object.keys(step.headers).map((name) => [name, getHeader(exchange.requestHeaders as HeaderList, name)]),
    );
  return shape;
}

/**
 * The expected outcome as one fetch can show it: a header the page must read that the response did
 * not carry at all, though its Access-Control-Expose-Headers lists it, is exposed as far as anyone
 * can see (there was nothing to read); one it does not list stays required, and its absence fails.
 */
function asShownBy(expected: ExpectedOutcome, fetch: FetchRun): ExpectedOutcome {
  if (expected.verdict !== 'allowed' || !expected.readable?.length) return expected;
  const actual = observed(hopsOf(fetch.wire).at(-1)?.actual ?? null);
  if (!actual) return expected;
  const listed = (getHeader(actual.headers, 'access-control-expose-headers') ?? '')
    .split(',')
    .map((t) => t.trim().toLowerCase());
  const readable = expected.readable.filter(
    (name) => hasHeader(actual.headers, name) || !listed.includes(name.toLowerCase()),
  );
  return { ...expected, readable };
}

/** How each fetch departs from the expected outcome (empty lists when every fetch meets it). */
export function verdictDifferences(run: ScenarioRun): Array<{ fetch: FetchRun; differences: string[] }> {
  return run.fetches.map((fetch) => ({
    fetch,
    differences: differences(asShownBy(run.expected.outcome, fetch), fetch.verdict),
  }));
}

/**
 * `expect(actual, message()).toEqual(expected)` (or `expect.soft`), called where the two differ. Each
 * call of Playwright's expect is a step whose 50-frame stack the worker captures and source-maps, most
 * of a passing test's own time (1.3 s of a Chromium catalogue run). Values equal under
 * isDeepStrictEqual, which is stricter than toEqual, would pass it; any others go to toEqual, which
 * decides and reports as before.
 */
function expectEqual(actual: unknown, expected: unknown, message: () => string, { soft = false } = {}): void {
  if (isDeepStrictEqual(actual, expected)) return;
  (soft ? expect.soft : expect)(actual, message()).toEqual(expected);
}

/**
 * The assertion: every fetch of the scenario meets the expected outcome, each failure explained with
 * that fetch's own verdict, reading and wire. Then, as soft assertions so that one failure shows all of
 * them: the headers read under the policy's Expose-Headers, and what reached the server.
 */
export function assertExpectation(run: ScenarioRun, mask: (text: string) => string = (t) => t): void {
  for (const { fetch, differences: found } of verdictDifferences(run))
    expectEqual(found, [], () => mask(explain(run, fetch)));
  if (run.judgesFlaws) {
    const granted = run.findings.filter((f) => f.severity === 'failure').map(describeFinding);
    const last = run.fetches.at(-1) as FetchRun;
    expectEqual(granted, [], () => mask(`the server grants what it must not\n${explain(run, last)}`));
  }
  const policy = run.expected.exposePolicy;
  for (const fetch of run.fetches) {
    if (!policy || fetch.verdict.verdict !== 'allowed') continue;
    const underPolicy = readableUnderPolicy(run, fetch, policy);
    if (!underPolicy) continue;
    const exposed = policy.exposeHeaders.join(', ') || 'none';
    expectEqual(
      fetch.verdict.readable,
      underPolicy,
      () =>
        mask(
          `the response headers the page reads, with Access-Control-Expose-Headers as the policy says (${exposed})\n${explain(run, fetch)}`,
        ),
      { soft: true },
    );
  }
  if (run.expected.wire) {
    const steps = run.expected.wire;
    const got = wireOfRun(run).map((exchange, i) => wireShape(exchange, steps[i]));
    const last = run.fetches.at(-1) as FetchRun;
    expectEqual(got, steps, () => mask(`what reached the server\n${explain(run, last)}`), {
      soft: true,
    });
  }
}
