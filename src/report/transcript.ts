import { describeBackend } from '../engines/backends.ts';
import type { Engine } from '../engines/session.ts';
import { describeReading } from '../fetch-standard/oracle.ts';
import { describeExpected } from '../run/expectation.ts';
import type { ScenarioRun } from '../run/run-scenario.ts';
import type { Target } from '../run/target.ts';
import { describeVerdict, describeWire } from '../run/verdict.ts';
import type { WireExchange } from '../wire/exchange.ts';

/** The wire as a reader wants it: each request and its answer, with every header. */
export function wireTranscript(wire: WireExchange[]): string {
  if (wire.length === 0) return 'Nothing reached the server for this scenario.\n';
  return wire
    .map((e) => {
      const request = [`→ ${e.method} ${e.url}`, ...e.requestHeaders.map(([n, v]) => `  ${n}: ${v}`)];
      const response =
        e.status === null
          ? ['← (no response recorded)']
          : [`← ${e.status}`, ...e.responseHeaders.map(([n, v]) => `  ${n}: ${v}`)];
      return [...request, ...response].join('\n');
    })
    .join('\n\n')
    .concat('\n');
}

/** The oracle's reading, one line per rule it applied. */
export function oracleTranscript(run: ScenarioRun): string {
  const mark = { pass: '✓', fail: '✗', note: '·' } as const;
  const lines = run.oracle.steps.map((s) => `${mark[s.outcome]} ${s.text}  [fetch#${s.anchor}]`);
  return `Oracle (Fetch standard over the recorded wire): ${describeReading(run.oracle)}\n${lines.join('\n')}\n`;
}

/** Three readings side by side: the expectation, the oracle, the engine. */
export function summary(run: ScenarioRun, engine: Engine, target: Target): string {
  return [
    `scenario:    ${run.scenario.id}`,
    `target:      ${target.description}`,
    `page origin: ${new URL(run.request.url).origin === run.oracleRequest.origin ? '(same origin!)' : run.oracleRequest.origin}`,
    `engine:      ${engine.name} ${engine.version}, ${describeBackend(engine.backend)}`,
    `expectation: ${describeExpected(run.expected)}`,
    `oracle:      ${describeReading(run.oracle)}`,
    `engine did:  ${describeVerdict(run.verdict)}`,
    run.divergence ? `DIVERGENCE:  ${run.divergence}` : null,
    ...run.findings.map((f) => `FLAW:        ${f.flaw}: ${f.evidence}`),
    `wire:        ${describeWire(run.wire)}`,
  ]
    .filter((l) => l !== null)
    .join('\n')
    .concat('\n');
}

export function messagesTranscript(run: ScenarioRun): string {
  if (!run.messagesAvailable)
    return 'This backend reports no engine messages (WebKitGTK in MiniBrowser; the host in src/engines/webkitgtk-host.py reports them).\n';
  if (run.messages.length === 0) return 'The engine gave no message for this request.\n';
  return run.messages
    .map((m) => `[${m.source}] ${m.text}`)
    .join('\n')
    .concat('\n');
}
