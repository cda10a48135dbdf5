/**
 * The Fetch standard's CORS definitions, as pure functions over header lists.
 * Each export names the definition it implements; anchors resolve under FETCH_SPEC.
 * https://fetch.spec.whatwg.org/ (read from whatwg/fetch fetch.bs, July 2026).
 */

export const FETCH_SPEC = 'https://fetch.spec.whatwg.org/';
export const specUrl = (anchor: string): string => `${FETCH_SPEC}#${anchor}`;

/** A header list: ordered (name, value) pairs, duplicates kept, as on the wire. */
export type HeaderList = ReadonlyArray<readonly [name: string, value: string]>;

export type CredentialsMode = 'omit' | 'same-origin' | 'include';

const lower = (s: string): string => s.toLowerCase();

/** #concept-header-list-get: all values of `name`, combined with ", ", or null. */
export function getHeader(list: HeaderList, name: string): string | null {
  const values = list.filter(([n]) => lower(n) === lower(name)).map(([, v]) => v.trim());
  return values.length === 0 ? null : values.join(', ');
}

export function hasHeader(list: HeaderList, name: string): boolean {
  return list.some(([n]) => lower(n) === lower(name));
}

/** #concept-method-normalize: only these six are upper-cased; `patch` stays `patch`. */
const NORMALIZED_METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT'];
export function normalizeMethod(method: string): string {
  const upper = method.toUpperCase();
  return NORMALIZED_METHODS.includes(upper) ? upper : method;
}

/** #cors-safelisted-method */
export function isCorsSafelistedMethod(method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'POST';
}

/** #forbidden-method */
export function isForbiddenMethod(method: string): boolean {
  return ['CONNECT', 'TRACE', 'TRACK'].includes(method.toUpperCase());
}

const FORBIDDEN_REQUEST_HEADER_NAMES = [
  'accept-charset',
  'accept-encoding',
  'access-control-request-headers',
  'access-control-request-method',
  'connection',
  'content-length',
  'cookie',
  'cookie2',
  'date',
  'dnt',
  'expect',
  'host',
  'keep-alive',
  'origin',
  'referer',
  'set-cookie',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'via',
];

/** #forbidden-request-header: a page cannot set these; the engine silently drops them. */
export function isForbiddenRequestHeader(name: string, value: string): boolean {
  const n = lower(name);
  if (FORBIDDEN_REQUEST_HEADER_NAMES.includes(n)) return true;
  if (n.startsWith('proxy-') || n.startsWith('sec-')) return true;
  if (['x-http-method', 'x-http-method-override', 'x-method-override'].includes(n)) {
    return value.split(',').some((m) => isForbiddenMethod(m.trim()));
  }
  return false;
}

/** #cors-unsafe-request-header-byte */
export function isCorsUnsafeRequestHeaderByte(byte: number): boolean {
  if (byte < 0x20 && byte !== 0x09) return true;
  return [0x22, 0x28, 0x29, 0x3a, 0x3c, 0x3e, 0x3f, 0x40, 0x5b, 0x5c, 0x5d, 0x7b, 0x7d, 0x7f].includes(byte);
}

const bytesOf = (value: string): Uint8Array => Buffer.from(value, 'latin1');
const hasUnsafeByte = (value: string): boolean => bytesOf(value).some(isCorsUnsafeRequestHeaderByte);

const LANGUAGE_BYTE = /^[0-9A-Za-z *,\-.;=]*$/;
const SAFELISTED_CONTENT_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];
/** An HTTP token (RFC 9110 `token`): method names and header names are tokens. */
export const HTTP_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** The essence of a MIME type per the MIME Sniffing standard's parser, or null on failure. */
export function mimeEssence(value: string): string | null {
  const trimmed = value.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');
  const slash = trimmed.indexOf('/');
  if (slash <= 0) return null;
  const type = trimmed.slice(0, slash);
  const rest = trimmed.slice(slash + 1);
  const subtype = rest.split(';')[0]?.replace(/[\t\n\r ]+$/, '') ?? '';
  if (!HTTP_TOKEN.test(type) || !HTTP_TOKEN.test(subtype)) return null;
  return `${lower(type)}/${lower(subtype)}`;
}

/**
 * RFC 9110 single byte range `bytes=first-[last]`, as the Fetch standard parses it for the safelist
 * (#simple-range-header-value, allowWhitespace false: `bytes = 0-9` fails); null on failure.
 */
function parseSingleRange(value: string): [number | null, number | null] | null {
  const m = /^bytes=(\d*)-(\d*)$/.exec(value);
  if (!m) return null;
  const [, first = '', last = ''] = m;
  if (first === '' && last === '') return null;
  const start = first === '' ? null : Number(first);
  const end = last === '' ? null : Number(last);
  if (start !== null && end !== null && start > end) return null;
  return [start, end];
}

/** #cors-safelisted-request-header */
export function isCorsSafelistedRequestHeader(name: string, value: string): boolean {
  if (bytesOf(value).length > 128) return false;
  switch (lower(name)) {
    case 'accept':
      return !hasUnsafeByte(value);
    case 'accept-language':
    case 'content-language':
      return LANGUAGE_BYTE.test(value);
    case 'content-type': {
      if (hasUnsafeByte(value)) return false;
      const essence = mimeEssence(value);
      return essence !== null && SAFELISTED_CONTENT_TYPES.includes(essence);
    }
    case 'range': {
      const range = parseSingleRange(value);
      return range !== null && range[0] !== null;
    }
    default:
      return false;
  }
}

/** #cors-unsafe-request-header-names: sorted, lower-cased, deduplicated. */
export function corsUnsafeRequestHeaderNames(headers: HeaderList): string[] {
  const unsafe: string[] = [];
  const potentiallyUnsafe: string[] = [];
  let safelistValueSize = 0;
  for (const [name, value] of headers) {
    if (!isCorsSafelistedRequestHeader(name, value)) unsafe.push(name);
    else {
      potentiallyUnsafe.push(name);
      safelistValueSize += bytesOf(value).length;
    }
  }
  if (safelistValueSize > 1024) unsafe.push(...potentiallyUnsafe);
  return [...new Set(unsafe.map(lower))].sort();
}

/** #cors-non-wildcard-request-header-name: `*` in Access-Control-Allow-Headers never covers it. */
export function isCorsNonWildcardRequestHeaderName(name: string): boolean {
  return lower(name) === 'authorization';
}

/** #cors-safelisted-response-header-name (without the exposed list). */
export const CORS_SAFELISTED_RESPONSE_HEADER_NAMES = [
  'cache-control',
  'content-language',
  'content-length',
  'content-type',
  'expires',
  'last-modified',
  'pragma',
];

/** #forbidden-response-header-name */
export function isForbiddenResponseHeaderName(name: string): boolean {
  return ['set-cookie', 'set-cookie2'].includes(lower(name));
}

/** #ok-status */
export function isOkStatus(status: number): boolean {
  return status >= 200 && status <= 299;
}

export type ExtractedList =
  | { kind: 'absent' }
  | { kind: 'failure'; value: string }
  | { kind: 'list'; items: string[] };

/**
 * #extract-header-list-values for the `#method` / `#field-name` headers of #http-new-header-syntax:
 * RFC 9110 lists of tokens, empty elements allowed, anything else is failure.
 */
export function extractTokenList(list: HeaderList, name: string): ExtractedList {
  if (!hasHeader(list, name)) return { kind: 'absent' };
  const items: string[] = [];
  for (const [n, value] of list) {
    if (lower(n) !== lower(name)) continue;
    for (const element of value.split(',')) {
      const item = element.replace(/^[\t ]+|[\t ]+$/g, '');
      if (item === '') continue;
      if (!HTTP_TOKEN.test(item)) return { kind: 'failure', value };
      items.push(item);
    }
  }
  return { kind: 'list', items };
}

/** #bad-port: the ports fetch refuses outright (#block-bad-port), before anything is sent. */
const BAD_PORTS = new Set([
  0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104,
  109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515,
  526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049,
  3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

export function isBadPort(url: string): boolean {
  const parsed = new URL(url);
  return parsed.port !== '' && BAD_PORTS.has(Number(parsed.port));
}

/** Secure Contexts' "potentially trustworthy" hosts over plain http: loopback names and addresses. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    host === 'localhost' || host.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1'
  );
}

/**
 * The scheme of the page that fetches. An opaque origin (`null`) has none; this suite's sandboxed test
 * page, the only one with an opaque origin, is served over https.
 */
export function pageScheme(pageOrigin: string): string {
  return pageOrigin === 'null' ? 'https:' : new URL(pageOrigin).protocol;
}

/**
 * #main-fetch step "should fetching request be blocked as mixed content" (W3C Mixed Content): an https
 * page fetching an http URL that is not potentially trustworthy. http://localhost is exempt.
 */
export function isMixedContent(pageOrigin: string, url: string): boolean {
  const target = new URL(url);
  return (
    pageScheme(pageOrigin) === 'https:' && target.protocol === 'http:' && !isLoopbackHost(target.hostname)
  );
}

/**
 * The Fetch-standard anchors the catalogue and the oracle cite; a citation to any other anchor is a
 * typo caught by the scenario schema.
 */
/** The URL Standard's "includes credentials": a username or a password is in the URL. */
export function includesCredentials(url: string | URL): boolean {
  const parsed = typeof url === 'string' ? new URL(url) : url;
  return parsed.username !== '' || parsed.password !== '';
}

export const FETCH_ANCHORS = [
  'cors-safelisted-method',
  'concept-method-normalize',
  'cors-safelisted-request-header',
  'cors-unsafe-request-header-byte',
  'cors-unsafe-request-header-names',
  'cors-non-wildcard-request-header-name',
  'forbidden-request-header',
  'cors-safelisted-response-header-name',
  'forbidden-response-header-name',
  'extract-header-list-values',
  'ok-status',
  'http-cors-protocol',
  'http-requests',
  'http-responses',
  'http-access-control-allow-origin',
  'http-access-control-allow-credentials',
  'http-new-header-syntax',
  'cors-protocol-and-credentials',
  'concept-cors-check',
  'cors-preflight-fetch-0',
  'cors-preflight-cache',
  'concept-cache-match',
  'main-fetch',
  'http-fetch',
  'http-redirect-fetch',
  'concept-filtered-response-cors',
  'concept-response-cors-exposed-header-name-list',
  'cors-protocol-exceptions',
  'bad-port',
  'block-bad-port',
  'concept-request-tainted-origin',
  'cors-protocol-and-http-caches',
  'concept-request-mode',
  'http-network-or-cache-fetch',
  'concept-filtered-response-opaque',
  'append-a-request-origin-header',
] as const;
export type FetchAnchor = (typeof FETCH_ANCHORS)[number];
