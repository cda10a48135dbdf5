/** One request and its answer as it crossed the wire, filed by scenario token. */

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

/**
 * The name=value pairs of a Cookie header ("a=1; b=2"), or of a cookie as a page sets it ("a=1;
 * Path=/", whose first pair is the cookie), names and values trimmed.
 */
export function cookiePairs(text: string | null | undefined): Array<[string, string]> {
  return (text ?? '')
    .split(';')
    .map((pair): [string, string] => {
      const [name = '', ...value] = pair.split('=');
      return [name.trim(), value.join('=').trim()];
    })
    .filter(([name]) => name !== '');
}
