/**
 * What reached the server, per scenario token. The page never sees its preflight, so the server
 * tells what it saw (as WPT's preflight handlers do, keyed by a token in the URL).
 */

/** Scenarios put their token in this query parameter; the log files each request under it. */
export const TOKEN_PARAM = 'cors-conformance';

export type HeaderPairs = Array<[string, string]>;

export interface WireExchange {
  /** Arrival order within the server's lifetime. */
  seq: number;
  method: string;
  /** Path and query as received. */
  url: string;
  requestHeaders: HeaderPairs;
  /** null while the response is not finished. */
  status: number | null;
  responseHeaders: HeaderPairs;
  /**
   * Set when no real answer came back: the recording proxy could not reach the server
   * (e.g. `passthrough-error:ECONNREFUSED`) or the exchange was aborted. Never a CORS matter.
   */
  failure?: string;
}

export class RequestLog {
  #seq = 0;
  #byToken = new Map<string, WireExchange[]>();

  /** Files a request on arrival; call `complete` when its response is sent. */
  open(token: string | null, method: string, url: string, requestHeaders: HeaderPairs): WireExchange {
    const exchange: WireExchange = {
      seq: ++this.#seq,
      method,
      url,
      requestHeaders,
      status: null,
      responseHeaders: [],
    };
    if (token !== null) {
      const list = this.#byToken.get(token) ?? [];
      list.push(exchange);
      this.#byToken.set(token, list);
    }
    return exchange;
  }

  complete(exchange: WireExchange, status: number, responseHeaders: HeaderPairs): void {
    exchange.status = status;
    exchange.responseHeaders = responseHeaders;
  }

  /** Everything filed under `token` so far, in arrival order. */
  read(token: string): WireExchange[] {
    return [...(this.#byToken.get(token) ?? [])];
  }
}

/** Node's header object (values may be arrays or numbers) as ordered pairs, duplicates kept. */
export function headerPairs(headers: Record<string, string | string[] | number | undefined>): HeaderPairs {
  const pairs: HeaderPairs = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) pairs.push([name, String(v)]);
  }
  return pairs;
}

/** Node's rawHeaders ([name, value, name, value, ...]) as pairs, exactly as they arrived. */
export function rawHeaderPairs(raw: string[]): HeaderPairs {
  const pairs: HeaderPairs = [];
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i] as string, raw[i + 1] as string]);
  return pairs;
}
