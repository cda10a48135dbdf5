import type { FetchOutcome } from '../engines/session.ts';
import type { ObservedResponse } from '../fetch-standard/oracle.ts';
import { getHeader, type HeaderList } from '../fetch-standard/rules.ts';
import type { WireExchange } from '../wire/exchange.ts';

/** Why a target could not be reached: none of these is a CORS matter. */
export type UnreachableCause =
  | 'connection-refused'
  | 'unknown-host'
  | 'tls'
  | 'timeout'
  | 'gateway-error'
  | 'connection-failed'
  | 'proxy-refused';

/**
 * The verdict: what the engine did, as one typed value built in one place (classify). The stage comes
 * from the wire: the engine gives the page the same TypeError whatever stopped it.
 */
export type Verdict =
  | { kind: 'allowed'; status: number; readable: string[] }
  | { kind: 'blocked'; stage: 'preflight' | 'response' | 'before-request' }
  | { kind: 'unreachable'; cause: UnreachableCause; detail: string };

export const isPreflight = (e: WireExchange): boolean =>
  e.method === 'OPTIONS' && getHeader(e.requestHeaders, 'access-control-request-method') !== null;

/**
 * The exchanges of one fetch as hops, one per URL: a preflight opens a hop, the request that follows
 * belongs to it; a redirect makes the next request a new hop.
 */
export function hopsOf(
  exchanges: WireExchange[],
): Array<{ preflight: WireExchange | null; actual: WireExchange | null }> {
  const hops: Array<{ preflight: WireExchange | null; actual: WireExchange | null }> = [];
  for (const exchange of exchanges) {
    const last = hops.at(-1);
    if (isPreflight(exchange)) hops.push({ preflight: exchange, actual: null });
    else if (last && last.actual === null) last.actual = exchange;
    else hops.push({ preflight: null, actual: exchange });
  }
  return hops;
}

export function observed(exchange: WireExchange | null): ObservedResponse | null {
  if (exchange === null || exchange.status === null || exchange.failure !== undefined) return null;
  return { status: exchange.status, headers: exchange.responseHeaders as HeaderList };
}

const GATEWAY_STATUSES = [502, 503, 504];

/** The recording proxy's failure tag (mockttp's passthrough-error:CODE) as a cause. */
export function causeOf(failure: string): UnreachableCause {
  if (failure === 'proxy-refused-host') return 'proxy-refused';
  if (/ECONNREFUSED/.test(failure)) return 'connection-refused';
  if (/ENOTFOUND|EAI_AGAIN|EAI_NONAME/.test(failure)) return 'unknown-host';
  if (/tls|CERT|SELF_SIGNED|SSL|ERR_TLS|EPROTO/i.test(failure)) return 'tls';
  if (/TIMEDOUT|timeout/i.test(failure)) return 'timeout';
  return 'connection-failed';
}

/** A gateway's 5xx without Allow-Origin: the application behind it did not answer. */
function gatewayError(e: WireExchange): boolean {
  return (
    e.status !== null &&
    GATEWAY_STATUSES.includes(e.status) &&
    getHeader(e.responseHeaders as HeaderList, 'access-control-allow-origin') === null
  );
}

/**
 * Every request an engine sends goes through the recording proxy, so the wire is complete: a failure
 * to reach the server shows there (a proxy error tag, a gateway's 5xx, no answer), and nothing on the
 * wire means the engine refused to send anything.
 */
export function classify(outcome: FetchOutcome, wire: WireExchange[]): Verdict {
  const failed = wire.find((e) => e.failure !== undefined);
  if (outcome.kind === 'resolved') {
    return {
      kind: 'allowed',
      status: outcome.status,
      readable: outcome.headers.map(([name]) => name.toLowerCase()).sort(),
    };
  }
  if (outcome.kind === 'timeout')
    return { kind: 'unreachable', cause: 'timeout', detail: `no answer within ${outcome.ms} ms` };
  if (failed?.failure)
    return {
      kind: 'unreachable',
      cause: causeOf(failed.failure),
      detail: `${failed.method} ${failed.url}: ${failed.failure}`,
    };
  const gateway = wire.find(gatewayError);
  if (gateway) {
    return {
      kind: 'unreachable',
      cause: 'gateway-error',
      detail: `${gateway.method} answered ${gateway.status} without CORS headers: a gateway, not the application`,
    };
  }
  const last = hopsOf(wire).at(-1);
  if (last?.actual) return { kind: 'blocked', stage: 'response' };
  if (last?.preflight) return { kind: 'blocked', stage: 'preflight' };

  return { kind: 'blocked', stage: 'before-request' };
}

/** What reached the server, in one line: `OPTIONS 204, GET 200`. */
export function describeWire(wire: WireExchange[]): string {
  return (
    wire.map((e) => `${e.method} ${e.status ?? '?'}${e.failure ? ` (${e.failure})` : ''}`).join(', ') ||
    'nothing'
  );
}

export function describeVerdict(verdict: Verdict): string {
  switch (verdict.kind) {
    case 'allowed':
      return `allowed (status ${verdict.status})`;
    case 'blocked':
      return verdict.stage === 'before-request'
        ? 'blocked before any request was sent'
        : `blocked at the ${verdict.stage}`;
    case 'unreachable':
      return `unreachable (${verdict.cause}): ${verdict.detail}`;
  }
}
