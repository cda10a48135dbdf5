import type { HeaderPairs, WireExchange } from '../src/wire/exchange.ts';

/**
 * What reached the server, per scenario token. The page never sees its preflight, so the server
 * tells what it saw (as WPT's preflight handlers do, keyed by a token in the URL).
 */
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
