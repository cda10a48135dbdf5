import type { CatalogueEntry } from '../../scenarios/load.ts';
import type { RequestSpec } from '../../scenarios/schema.ts';
import type {
  Engine,
  EngineMessage,
  EngineName,
  EnginePage,
  FetchOutcome,
  FetchSpec,
} from '../engines/session.ts';
import {
  type OracleReading,
  type OracleRequest,
  outcomeOfReading,
  readWire,
} from '../fetch-standard/oracle.ts';
import { type HeaderList, normalizeMethod } from '../fetch-standard/rules.ts';
import { diagnose, type Finding, mismatches } from '../flaws/flaws.ts';
import { differences, exactly, type Outcome } from '../outcome/outcome.ts';
import { cookiePairs, type WireExchange } from '../wire/exchange.ts';
import { type Expectation, expectationFor, inEngine } from './expectation.ts';
import type { Caller, Target, WireSource } from './target.ts';
import { classify, hopsOf, observed } from './verdict.ts';

/**
 * The cookies a scenario's credentialed request is to carry: the one its page sets, and those its
 * wire names as carried. Whether the engine sent them is the fetch's cookie outcome.
 */
export function cookiesNamed(scenario: CatalogueEntry): string[] {
  if (scenario.request.credentials !== 'include') return [];
  const set = cookiePairs(scenario.request.cookie)[0]?.[0];
  const carried = (scenario.wire ?? []).flatMap((step) =>
    Object.entries(step.cookies ?? {}).flatMap(([name, sent]) => (sent ? [name] : [])),
  );
  return [...new Set([...(set ? [set] : []), ...carried])];
}

/** Everything one scenario produced in one engine: the evidence behind its verdicts. */
export interface ScenarioRun {
  scenario: CatalogueEntry;
  engine: EngineName;
  token: string;
  request: FetchSpec;
  /** The request as the Fetch standard sees it (method normalized, body-implied Content-Type). */
  oracleRequest: OracleRequest;
  expected: Expectation;
  /** What the scenario's `before` requests put on the wire (their verdicts are not asserted). */
  setup: WireExchange[];
  /** One record per fetch of the scenario (more than one with `repeat`), each with its own evidence. */
  fetches: FetchRun[];
  /** False when the backend reports no engine messages at all (so "none" means "not available"). */
  messagesAvailable: boolean;
  /** Misconfigurations the server showed on the wire (src/flaws/flaws.ts). */
  findings: Finding[];
  /** Origins the server let in that the policy does not hold (no flaw: the policy and the server disagree). */
  mismatches: string[];
  /** Whether a finding of severity `failure` fails the scenario (see Target.judgesFlaws). */
  judgesFlaws: boolean;
}

/** One fetch of a scenario and its evidence: its page outcome, its wire, its verdict, its reading. */
export interface FetchRun {
  /** 1-based, as reports name it: "fetch 2 of 3". */
  index: number;
  outcome: FetchOutcome;
  wire: WireExchange[];
  messages: EngineMessage[];
  verdict: Outcome;
  oracle: OracleReading;
  /** Set when the engine did not do what the Fetch standard says for the responses it got. */
  divergence: string | null;
}

/** Every exchange of the run, in order: the setup requests', then each fetch's. */
export const wireOfRun = (run: ScenarioRun): WireExchange[] => [
  ...run.setup,
  ...run.fetches.flatMap((f) => f.wire),
];

/** The run's divergences from the standard, each naming its fetch when there are several. */
export function divergenceOf(run: ScenarioRun): string | null {
  const several = run.fetches.length > 1;
  return (
    run.fetches
      .filter((f) => f.divergence)
      .map((f) => (several ? `fetch ${f.index}: ${f.divergence}` : f.divergence))
      .join('; ') || null
  );
}

const FETCH_TIMEOUT_MS = 10_000;

export function scenarioToken(id: string, engine: EngineName): string {
  return `${id.replace('/', '.')}.${engine}.${Math.random().toString(36).slice(2, 8)}`;
}

export function fetchSpec(
  scenario: CatalogueEntry,
  target: Target,
  token: string,
  timeoutMs = FETCH_TIMEOUT_MS,
  request: RequestSpec = scenario.request,
  caller?: Caller,
): FetchSpec {
  const headers: Array<[string, string]> = Object.entries(request.headers);
  if (request.sendApiKey) {
    const credential = target.credential(scenario);
    if (credential === undefined) {
      throw new Error(
        `${scenario.id} sends the API key, but ${target.description} has none (set API_KEY, or the policy's apiKey or bearerTokenEnv)`,
      );
    }
    headers.push([credential.header, credential.value]);
  }
  const body: FetchSpec['body'] =
    request.body === undefined
      ? null
      : request.body.kind === 'form-data'
        ? { kind: 'form-data', fields: Object.entries(request.body.fields) }
        : request.body;
  return {
    ...(request.api !== 'fetch' ? { api: request.api } : {}),
    url: withUserinfo(target.url(scenario, token, caller), request.userinfo),
    method: request.method,
    headers,
    credentials: request.credentials,
    body,
    mode: request.mode,
    cache: request.cache,
    ...(request.referrerPolicy ? { referrerPolicy: request.referrerPolicy } : {}),
    ...(request.redirect !== 'follow' ? { redirect: request.redirect } : {}),
    ...(request.cookie ? { cookie: request.cookie } : {}),
    ...(request.frameOrigin ? { frameOrigin: request.frameOrigin } : {}),
    timeoutMs,
  };
}

/** The URL with `user:password@` written in, when the scenario asks for it. */
function withUserinfo(url: string, userinfo: string | undefined): string {
  if (!userinfo) return url;
  const written = new URL(url);
  const [username = '', password = ''] = userinfo.split(':');
  written.username = username;
  written.password = password;
  return written.toString();
}

/** The request as the oracle sees it: the page's headers plus the Content-Type its body implies. */
export function oracleRequest(spec: FetchSpec, origin: string): OracleRequest {
  const headers: Array<[string, string]> = [...spec.headers];
  const hasContentType = headers.some(([n]) => n.toLowerCase() === 'content-type');
  if (!hasContentType && (spec.body?.kind === 'text' || spec.body?.kind === 'filler'))
    headers.push(['content-type', 'text/plain;charset=UTF-8']);
  if (!hasContentType && spec.body?.kind === 'form-data') {
    headers.push(['content-type', 'multipart/form-data; boundary=----cors-conformance']);
  }
  return {
    url: spec.url,
    method: normalizeMethod(spec.method),
    headers: headers as HeaderList,
    credentials: spec.credentials,
    mode: spec.mode,
    ...(spec.redirect ? { redirect: spec.redirect } : {}),
    ...(spec.api && spec.api !== 'fetch' ? { api: spec.api } : {}),
    origin,
  };
}

/**
 * The engine's verdict against the oracle's reading of the same wire, with the one comparison of
 * outcomes: null when they agree.
 */
export function divergence(verdict: Outcome, reading: OracleReading, wire: WireExchange[]): string | null {
  if (verdict.verdict === 'unreachable') return null;
  if (reading.verdict === 'incomplete') {
    if (verdict.verdict === 'blocked' && verdict.stage === 'before-request') {
      return 'the engine sent nothing, though no rule of the Fetch standard stops this request before it is sent';
    }
    if (reading.missing === 'actual' && verdict.verdict === 'blocked' && verdict.stage === 'preflight') {
      return 'the oracle finds that the preflight passes, yet the engine did not send the request';
    }
    if (verdict.verdict === 'allowed')
      return `the engine allowed the request, but the ${reading.missing} never reached the server`;
    return null;
  }
  const oracle = outcomeOfReading(reading);
  if (!oracle) return null;
  const present = observed(hopsOf(wire).at(-1)?.actual ?? null)?.headers.map(([n]) => n) ?? [];
  const differs = differences(exactly(oracle, present), verdict);
  return differs.length === 0 ? null : `by the oracle: ${differs.join('; ')}`;
}

const BEACON_SETTLE_MS = 1_000;

/**
 * A queued beacon's wire, once it has settled: its request answered, or its preflight answered and
 * nothing more within a second (the engine does not send a beacon its preflight refused), or the
 * fetch timeout passed.
 */
async function beaconWire(
  wireOf: WireSource,
  token: string,
  timeoutMs = FETCH_TIMEOUT_MS,
): Promise<WireExchange[]> {
  const wire: WireExchange[] = [];
  const started = Date.now();
  let preflightAnswered: number | null = null;
  while (Date.now() - started < timeoutMs) {
    wire.push(...(await wireOf(token)));
    const last = hopsOf(wire).at(-1);
    if (last?.actual && last.actual.status !== null) break;
    if (last?.preflight?.status != null && !last.actual) {
      preflightAnswered ??= Date.now();
      if (Date.now() - preflightAnswered >= BEACON_SETTLE_MS) break;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return wire;
}

/** A scenario ready to run in one engine: its request, as the page sends it and as the oracle reads it, and what is expected. */
interface Prepared {
  scenario: CatalogueEntry;
  engine: EngineName;
  token: string;
  request: FetchSpec;
  asOracleSees: OracleRequest;
  expected: Expectation;
  caller: (r: RequestSpec) => Caller;
}

function prepare(
  scenario: CatalogueEntry,
  engine: Pick<Engine, 'name' | 'backend'>,
  page: EnginePage,
  target: Target,
  timeoutMs: number | undefined,
): Prepared {
  const token = scenarioToken(scenario.id, engine.name);
  const caller = (r: RequestSpec): Caller => ({
    engine: engine.name,
    backend: engine.backend.kind,
    origin: r.frameOrigin ?? page.origin,
  });
  const request = fetchSpec(scenario, target, token, timeoutMs, scenario.request, caller(scenario.request));
  // A request sent from a frame carries the frame's origin.
  const asOracleSees = oracleRequest(request, request.frameOrigin ?? page.origin);
  const expected = inEngine(
    expectationFor(scenario, asOracleSees, target.policy(scenario), target.usesRecords),
    { scenario, engine: engine.name, backend: engine.backend.kind, useRecord: target.usesRecords },
    asOracleSees,
  );
  return { scenario, engine: engine.name, token, request, asOracleSees, expected, caller };
}

/** One fetch's evidence, read back once the page has its outcome. */
async function evidenceOf(
  prepared: Prepared,
  index: number,
  outcome: FetchOutcome,
  page: EnginePage,
  wireOf: WireSource,
): Promise<FetchRun> {
  // Each fetch reads (and clears) the wire of the token: the repeats of one URL stay apart.
  const wire =
    outcome.kind === 'queued'
      ? await beaconWire(wireOf, prepared.token, prepared.request.timeoutMs)
      : await wireOf(prepared.token);
  const verdict = classify(outcome, wire, cookiesNamed(prepared.scenario));
  const oracle = readWire(
    prepared.asOracleSees,
    hopsOf(wire).map((hop) => ({ preflight: observed(hop.preflight), actual: observed(hop.actual) })),
  );
  const messages = await page.takeMessages(prepared.token, {
    expectSome: outcome.kind !== 'resolved' && page.reportsCorsMessages,
    settleMs: 300,
  });
  return { index, outcome, wire, messages, verdict, oracle, divergence: divergence(verdict, oracle, wire) };
}

function assemble(
  prepared: Prepared,
  setup: WireExchange[],
  fetches: FetchRun[],
  page: EnginePage,
  target: Target,
): ScenarioRun {
  const { scenario } = prepared;
  const run: ScenarioRun = {
    scenario,
    engine: prepared.engine,
    token: prepared.token,
    request: prepared.request,
    oracleRequest: prepared.asOracleSees,
    expected: prepared.expected,
    setup,
    fetches,
    messagesAvailable: page.reportsCorsMessages,
    findings: [],
    mismatches: [],
    judgesFlaws: target.judgesFlaws(scenario),
  };
  const intent = target.originIntent(scenario);
  run.findings = diagnose(wireOfRun(run), intent);
  run.mismatches = mismatches(wireOfRun(run), intent);
  return run;
}

export async function runScenario(
  scenario: CatalogueEntry,
  engine: Pick<Engine, 'name' | 'backend'>,
  page: EnginePage,
  target: Target,
  wireOf: WireSource,
  options: { timeoutMs?: number } = {},
): Promise<ScenarioRun> {
  const prepared = prepare(scenario, engine, page, target, options.timeoutMs);
  const { token, caller } = prepared;
  // Requests that set the stage (fill a cache): their wire is part of the record, their verdict is not asserted.
  const setup: WireExchange[] = [];
  for (const before of scenario.before ?? []) {
    const spec = fetchSpec(scenario, target, token, options.timeoutMs, before, caller(before));
    await onPage(page.fetch(spec));
    setup.push(...(await wireOf(token)));
    await page.takeMessages(token, { expectSome: false, settleMs: 0 });
  }
  const fetches: FetchRun[] = [];
  for (let index = 1; index <= scenario.repeat; index++) {
    if (index > 1 && scenario.repeatAfterMs) await new Promise((r) => setTimeout(r, scenario.repeatAfterMs));
    const outcome = await onPage(page.fetch(prepared.request));
    fetches.push(await evidenceOf(prepared, index, outcome, page, wireOf));
  }
  return assemble(prepared, setup, fetches, page, target);
}

/**
 * Whether a scenario can share a page with others in flight: one fetch, nothing set up before it, and
 * nothing it leaves in the page for later requests (a cookie it sets, the HTTP cache). Its own URL
 * token keeps its wire, messages and preflight-cache entry apart from every other request.
 */
export function runsConcurrently(scenario: CatalogueEntry): boolean {
  const { request } = scenario;
  return (
    (scenario.before ?? []).length === 0 &&
    scenario.repeat === 1 &&
    request.cookie === undefined &&
    request.cache !== 'default' &&
    request.api !== 'beacon'
  );
}

/**
 * The page (the engine, or its driver) failed under a request: no outcome came back, so no verdict
 * exists yet. Anything else thrown while running a scenario is that scenario's own error.
 */
export class PageFailure extends Error {
  constructor(override readonly cause: unknown) {
    super(`the page failed: ${String((cause as Error)?.message ?? cause).split('\n')[0]}`);
    this.name = 'PageFailure';
  }
}

const onPage = <T>(work: Promise<T>): Promise<T> =>
  work.catch((error) => {
    throw error instanceof PageFailure ? error : new PageFailure(error);
  });

/**
 * Independent scenarios (runsConcurrently) of one page, fetched together: one call into the page
 * starts every fetch, so the page's round trip and the engines' waits are paid once per batch.
 * Each settles on its own (the record runScenario makes, or that scenario's own error); only a page
 * that fails under the batch (PageFailure) rejects it as a whole.
 */
export async function runConcurrently(
  scenarios: CatalogueEntry[],
  engine: Pick<Engine, 'name' | 'backend'>,
  page: EnginePage,
  target: Target,
  wireOf: WireSource,
  options: { timeoutMs?: number } = {},
): Promise<Array<PromiseSettledResult<ScenarioRun>>> {
  const prepared = scenarios.map((s): PromiseSettledResult<Prepared> => {
    try {
      if (!runsConcurrently(s)) throw new Error(`${s.id} cannot run concurrently with others`);
      return { status: 'fulfilled', value: prepare(s, engine, page, target, options.timeoutMs) };
    } catch (reason) {
      return { status: 'rejected', reason };
    }
  });
  const ready = prepared.flatMap((p) => (p.status === 'fulfilled' ? [p.value] : []));
  const outcomes = ready.length > 0 ? await onPage(page.fetchAll(ready.map((p) => p.request))) : [];
  return Promise.allSettled(
    prepared.map(async (p) => {
      if (p.status === 'rejected') throw p.reason;
      const i = ready.indexOf(p.value);
      const fetch = await evidenceOf(p.value, 1, outcomes[i] as FetchOutcome, page, wireOf);
      return assemble(p.value, [], [fetch], page, target);
    }),
  );
}
