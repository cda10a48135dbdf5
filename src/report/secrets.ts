import type { FetchSpec } from '../engines/session.ts';
import { cookiePairs } from '../wire/exchange.ts';

/**
 * Secrets never leave the machine: the API key and every credential a page sends (Authorization,
 * Cookie) are masked in every attachment, message and summary, while the wire still shows that the
 * header was sent. Reports are published (the nightly workflow puts Allure on GitHub Pages).
 */

/** Header names whose values are credentials, wherever they appear (request or response). */
export const CREDENTIAL_HEADERS = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'apikey',
  'x-api-key',
  'api-key',
];

export const MASK = '«masked»';

export const isCredentialHeader = (name: string): boolean => CREDENTIAL_HEADERS.includes(name.toLowerCase());

/** Shorter values are not masked by value (they would blot out ordinary words); by header name they are. */
const MIN_SECRET_LENGTH = 4;

export class Secrets {
  readonly #values: string[];

  constructor(values: Iterable<string | undefined | null>) {
    const kept = [...values].filter(
      (v): v is string => typeof v === 'string' && v.length >= MIN_SECRET_LENGTH,
    );
    // Longest first, so that a secret containing another is masked whole.
    this.#values = [...new Set(kept)].sort((a, b) => b.length - a.length);
  }

  /** The text with every known secret value replaced. */
  mask(text: string): string {
    let out = text;
    for (const value of this.#values) out = out.split(value).join(MASK);
    return out;
  }

  /** Header pairs with credential values masked: the name stays, so the wire shows the header was sent. */
  maskHeaders(headers: ReadonlyArray<readonly [string, string]>): Array<[string, string]> {
    return headers.map(([name, value]) => [name, isCredentialHeader(name) ? MASK : this.mask(value)]);
  }
}

/** The parts of a credential worth masking on their own: `Bearer t0ken` also masks `t0ken`. */
function credentialParts(name: string, value: string): string[] {
  const lower = name.toLowerCase();
  if (lower === 'authorization' || lower === 'proxy-authorization') {
    const [, token] = value.match(/^\S+\s+(.+)$/) ?? [];
    return [value, ...(token ? [token] : [])];
  }
  if (lower === 'cookie') return [value, ...cookiePairs(value).map(([, v]) => v)];
  return [value];
}

/** The secrets of one request: the target's API key and every credential the page sends. */
export function secretsOf(request: FetchSpec, apiKey: string | undefined): Secrets {
  const cookieValue = cookiePairs(request.cookie)[0]?.[1];
  return new Secrets([
    apiKey,
    cookieValue,
    ...request.headers.filter(([n]) => isCredentialHeader(n)).flatMap(([n, v]) => credentialParts(n, v)),
  ]);
}
