import type { WireExchange } from '../../server/request-log.ts';
import { getHeader, type HeaderList } from '../cors/fetch-standard.ts';
import type { ObservedResponse } from '../cors/oracle.ts';
import type { FetchOutcome } from '../engines/session.ts';

/**
 * The verdict: what the engine did, as one typed value built in one place (classify). Stage comes from
 * the wire: the engine gives the page the same TypeError whatever stopped it.
 */
export type Verdict =
  | { kind: 'allowed'; status: number; readable: string[] }
  | { kind: 'blocked'; stage: 'preflight' | 'response' | 'before-request' }
  | { kind: 'unreachable'; reason: string }
  | { kind: 'timeout'; afterMs: number };

/** One fetch's exchanges, split: the CORS preflight (OPTIONS + Access-Control-Request-Method) and the rest. */
export interface SplitWire {
  preflight: WireExchange | null;
  actual: WireExchange | null;
}

export const isPreflight = (e: WireExchange): boolean =>
  e.method === 'OPTIONS' && getHeader(e.requestHeaders, 'access-control-request-method') !== null;

export function splitWire(exchanges: WireExchange[]): SplitWire {
  return {
    preflight: exchanges.find(isPreflight) ?? null,
    actual: exchanges.find((e) => !isPreflight(e)) ?? null,
  };
}

export function observed(exchange: WireExchange | null): ObservedResponse | null {
  if (exchange === null || exchange.status === null) return null;
  return { status: exchange.status, headers: exchange.responseHeaders as HeaderList };
}

/** Outcome of the engine-neutral reachability probe: a no-cors fetch resolves iff the server answered. */
export type Reachability = { reachable: true } | { reachable: false; reason: string };

export function classify(outcome: FetchOutcome, wire: SplitWire, reachability: Reachability | null): Verdict {
  switch (outcome.kind) {
    case 'resolved':
      return {
        kind: 'allowed',
        status: outcome.status,
        readable: outcome.headers.map(([name]) => name.toLowerCase()).sort(),
      };
    case 'timeout':
      return { kind: 'timeout', afterMs: outcome.ms };
    case 'rejected':
      if (wire.actual) return { kind: 'blocked', stage: 'response' };
      if (wire.preflight) return { kind: 'blocked', stage: 'preflight' };
      // Nothing reached the server: either it cannot be reached (never a CORS verdict) or the engine
      // refused to send anything.
      if (reachability && !reachability.reachable)
        return { kind: 'unreachable', reason: reachability.reason };
      return { kind: 'blocked', stage: 'before-request' };
  }
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
      return `unreachable: ${verdict.reason}`;
    case 'timeout':
      return `timeout after ${verdict.afterMs} ms`;
  }
}
