import { expect } from '@playwright/test';
import { describeReason } from '../cors/oracle.ts';
import type { ScenarioRun } from './run-scenario.ts';
import { describeVerdict } from './verdict.ts';

/** Why the verdict is what it is, in words, for assertion messages. */
export function explain(run: ScenarioRun): string {
  const oracle =
    run.oracle.verdict === 'blocked'
      ? `oracle: blocked at the ${run.oracle.stage}: ${describeReason(run.oracle.reason)}`
      : run.oracle.verdict === 'allowed'
        ? `oracle: allowed (status ${run.oracle.status})`
        : `oracle: no judgement, the ${run.oracle.missing} did not reach the server`;
  const wire = run.wire.map((e) => `${e.method} ${e.status ?? '?'}`).join(', ') || 'nothing';
  const said = run.messages.map((m) => m.text).join(' | ') || 'nothing';
  return [
    `${run.scenario.id} in ${run.engine}: the engine ${describeVerdict(run.verdict)}`,
    oracle,
    `wire: ${wire}`,
    `engine said: ${said}`,
    run.divergence ? `DIVERGENCE: ${run.divergence}` : null,
  ]
    .filter(Boolean)
    .join('\n');
}

/**
 * The assertion: what the engine did equals what the scenario expects. The verdict is compared first;
 * readable headers and the wire are soft assertions so one failure shows all three.
 */
export function assertExpectation(run: ScenarioRun): void {
  const expected = run.scenario.expect;
  const message = explain(run);
  if (expected.verdict === 'allowed') {
    const got =
      run.verdict.kind === 'allowed'
        ? { verdict: 'allowed', ...(expected.status !== undefined ? { status: run.verdict.status } : {}) }
        : { verdict: describeVerdict(run.verdict) };
    expect(got, message).toEqual({
      verdict: 'allowed',
      ...(expected.status !== undefined ? { status: expected.status } : {}),
    });
    if (run.verdict.kind === 'allowed') {
      const readable = run.verdict.readable;
      for (const name of expected.readable ?? [])
        expect.soft(readable, `${name} is readable by the page`).toContain(name);
      for (const name of expected.hidden ?? [])
        expect.soft(readable, `${name} is hidden from the page`).not.toContain(name);
    }
  } else {
    const got =
      run.verdict.kind === 'blocked'
        ? { verdict: 'blocked', stage: run.verdict.stage }
        : { verdict: describeVerdict(run.verdict) };
    expect(got, message).toEqual({ verdict: 'blocked', stage: expected.stage });
  }
  if (run.scenario.wire) {
    const wantStatus = run.scenario.wire.map((step) => step.status !== undefined);
    const gotWire = run.wire.map((e, i) =>
      wantStatus[i] ? { method: e.method, status: e.status } : { method: e.method },
    );
    expect.soft(gotWire, `what reached the server\n${message}`).toEqual(run.scenario.wire);
  }
}
