import { describeBackend } from '../engines/backends.ts';
import type { Engine } from '../engines/session.ts';
import { describeReading } from '../fetch-standard/oracle.ts';
import { describeOutcome } from '../outcome/outcome.ts';
import { describeExpected } from '../run/expectation.ts';
import { divergenceOf, type FetchRun, type ScenarioRun, wireOfRun } from '../run/run-scenario.ts';
import type { Target } from '../run/target.ts';
import { describeWire } from '../run/verdict.ts';
import type { WireExchange } from '../wire/exchange.ts';
import { Secrets } from './secrets.ts';

/**
 * The evidence of a run as people read it. Every text goes through `secrets`: credential headers keep
 * their names with masked values, and known secret values are masked wherever they appear.
 */

const NO_SECRETS = new Secrets([]);

/** The wire as a reader wants it: each request and its answer, with every header. */
export function wireTranscript(wire: WireExchange[], secrets: Secrets = NO_SECRETS): string {
  if (wire.length === 0) return 'Nothing reached the server for this scenario.\n';
  const headers = (pairs: Array<[string, string]>) =>
    secrets.maskHeaders(pairs).map(([n, v]) => `  ${n}: ${v}`);
  return wire
    .map((e) => {
      const request = [`→ ${e.method} ${secrets.mask(e.url)}`, ...headers(e.requestHeaders)];
      const response =
        e.status === null
          ? ['← (no response recorded: the exchange was still open)']
          : [`← ${e.status}${e.failure ? ` (${e.failure})` : ''}`, ...headers(e.responseHeaders)];
      return [...request, ...response].join('\n');
    })
    .join('\n\n')
    .concat('\n');
}

/** The run's wire, fetch by fetch. */
export function runWireTranscript(run: ScenarioRun, secrets: Secrets = NO_SECRETS): string {
  const parts = [
    ...(run.setup.length > 0 ? [`Before the scenario's fetch:\n${wireTranscript(run.setup, secrets)}`] : []),
    ...run.fetches.map((f) =>
      run.fetches.length > 1 || run.setup.length > 0
        ? `Fetch ${f.index} of ${run.fetches.length}:\n${wireTranscript(f.wire, secrets)}`
        : wireTranscript(f.wire, secrets),
    ),
  ];
  return parts.join('\n');
}

/** The oracle's reading of each fetch, one line per rule it applied. */
export function oracleTranscript(run: ScenarioRun, secrets: Secrets = NO_SECRETS): string {
  const mark = { pass: '✓', fail: '✗', note: '·' } as const;
  const one = (f: FetchRun) => {
    const lines = f.oracle.steps.map((s) => `${mark[s.outcome]} ${s.text}  [fetch#${s.anchor}]`);
    const which = run.fetches.length > 1 ? ` (fetch ${f.index} of ${run.fetches.length})` : '';
    return `Oracle (Fetch standard over the recorded wire)${which}: ${describeReading(f.oracle)}\n${lines.join('\n')}\n`;
  };
  return secrets.mask(run.fetches.map(one).join('\n'));
}

/** Three readings side by side: the expectation, the oracle, the engine; one line each per fetch. */
export function summary(
  run: ScenarioRun,
  engine: Engine,
  target: Target,
  secrets: Secrets = NO_SECRETS,
): string {
  const several = run.fetches.length > 1;
  const each = (label: string, text: (f: FetchRun) => string) =>
    run.fetches.map((f) => `${label.padEnd(13)}${several ? `[fetch ${f.index}] ` : ''}${text(f)}`);
  const divergence = divergenceOf(run);
  return secrets.mask(
    [
      `scenario:    ${run.scenario.id}`,
      `target:      ${target.description}`,
      `page origin: ${new URL(run.request.url).origin === run.oracleRequest.origin ? '(same origin!)' : run.oracleRequest.origin}`,
      `engine:      ${engine.name} ${engine.version}, ${describeBackend(engine.backend)}`,
      `expectation: ${describeExpected(run.expected)}`,
      run.scenario.standardsDisagree
        ? `STANDARDS:   WPT and the Fetch standard's text disagree; expected as WPT asserts. ${run.scenario.standardsDisagree.note}`
        : null,
      ...each('oracle:', (f) => describeReading(f.oracle)),
      ...each('engine did:', (f) => describeOutcome(f.verdict)),
      divergence ? `DIVERGENCE:  ${divergence}` : null,
      ...run.findings.map((f) => `FLAW:        ${f.flaw} (${f.severity}): ${f.evidence}`),
      ...run.mismatches.map((o) => `MISMATCH:    ${o} let in, not in the policy`),
      `wire:        ${describeWire(wireOfRun(run))}`,
    ]
      .filter((l) => l !== null)
      .join('\n')
      .concat('\n'),
  );
}

export function messagesTranscript(run: ScenarioRun, secrets: Secrets = NO_SECRETS): string {
  if (!run.messagesAvailable)
    return 'This backend reports no engine messages (WebKitGTK in MiniBrowser; the host in src/engines/webkitgtk-host.py reports them).\n';
  const messages = run.fetches.flatMap((f) => f.messages);
  if (messages.length === 0) return 'The engine gave no message for this request.\n';
  return secrets.mask(
    messages
      .map((m) => `[${m.source}] ${m.text}`)
      .join('\n')
      .concat('\n'),
  );
}

/** The request the page made, as JSON, credentials masked. */
export function requestTranscript(run: ScenarioRun, secrets: Secrets = NO_SECRETS): string {
  const request = {
    ...run.request,
    headers: secrets.maskHeaders(run.request.headers),
    ...(run.request.cookie ? { cookie: secrets.mask(run.request.cookie) } : {}),
  };
  return secrets.mask(JSON.stringify(request, null, 2));
}

/** What the page saw of each fetch, as JSON. */
export function pageOutcomeTranscript(run: ScenarioRun, secrets: Secrets = NO_SECRETS): string {
  const outcomes = run.fetches.map((f) =>
    f.outcome.kind === 'resolved'
      ? { ...f.outcome, headers: secrets.maskHeaders(f.outcome.headers) }
      : f.outcome,
  );
  return secrets.mask(JSON.stringify(outcomes.length === 1 ? outcomes[0] : outcomes, null, 2));
}
