/**
 * web-platform-tests' CORS behaviours (read from fetch/api/cors, cors/, xhr/access-control-*,
 * fetch/api/{redirect,basic,credentials}, fetch/origin, beacon and eventsource), each with the WPT files
 * that test it. A scenario that mirrors one cites it ({"source": "wpt", "behaviour": N,
 * "path": <one of its files>, "test": <a quote>}), and docs/wpt-coverage.md lists each behaviour with the
 * scenarios citing it.
 */
export interface WptBehaviour {
  /** Its number in the map, 1 to 50. */
  id: number;
  /** The behaviour in one line, as the map states it. */
  title: string;
  /** WPT files that test it, paths from WPT's root. */
  files: readonly string[];
  /** What of it the catalogue does not mirror, and why, where that is a part of it. */
  leftOut?: string;
}

export const WPT_BEHAVIOURS: readonly WptBehaviour[] = [
  {
    id: 1,
    title: 'No preflight for safelisted methods, headers and Content-Types',
    files: [
      'fetch/api/cors/cors-no-preflight.any.js',
      'cors/simple-requests.htm',
      'cors/cors-safelisted-request-header.any.js',
    ],
  },
  {
    id: 2,
    title: 'Preflighted: non-safelisted Content-Type, long/unsafe Accept, *-Language, custom, Authorization',
    files: [
      'fetch/api/cors/cors-preflight-not-cors-safelisted.any.js',
      'fetch/api/cors/resources/not-cors-safelisted.json',
    ],
  },
  {
    id: 3,
    title: 'Range value forms',
    files: ['cors/cors-safelisted-request-header.any.js'],
  },
  {
    id: 4,
    title: 'Last-Event-ID safelisting',
    files: [
      'cors/cors-safelisted-request-header.any.js',
      'xhr/access-control-basic-non-cors-safelisted-last-event-id.htm',
    ],
  },
  {
    id: 5,
    title: 'Non-safelisted and custom methods preflighted; case normalisation (`put`→PUT, `patcH` kept)',
    files: ['fetch/api/cors/cors-preflight.any.js'],
  },
  {
    id: 6,
    title: 'Preflight Access-Control-Request-Headers: lower-case, sorted, non-safelisted only, never Origin',
    files: [
      'fetch/api/cors/resources/corspreflight.js',
      'xhr/access-control-preflight-request-header-lowercase.htm',
      'xhr/access-control-preflight-request-header-sorted.htm',
      'xhr/access-control-preflight-request-headers-origin.htm',
    ],
  },
  {
    id: 7,
    title: 'Preflight carries no cookies and no author headers',
    files: [
      'xhr/access-control-preflight-request-must-not-contain-cookie.htm',
      'xhr/access-control-preflight-headers-async.htm',
    ],
  },
  {
    id: 8,
    title: 'User-Agent and Referer on the preflight',
    files: ['fetch/api/cors/cors-preflight.any.js', 'fetch/api/cors/cors-preflight-referrer.any.js'],
  },
  {
    id: 9,
    title: 'Preflight must answer 200–299',
    files: [
      'fetch/api/cors/cors-preflight-status.any.js',
      'cors/preflight-failure.htm',
      'xhr/access-control-preflight-request-invalid-status-301.htm',
      'xhr/access-control-preflight-request-invalid-status-400.htm',
      'xhr/access-control-preflight-request-invalid-status-501.htm',
    ],
  },
  {
    id: 10,
    title: 'A redirected preflight fails',
    files: ['fetch/api/cors/cors-preflight-redirect.any.js', 'cors/redirect-preflight.htm'],
  },
  {
    id: 11,
    title: 'Preflight needs Allow-Origin; a server without OPTIONS fails',
    files: [
      'fetch/api/cors/cors-origin.any.js',
      'xhr/access-control-basic-get-fail-non-simple.htm',
      'xhr/access-control-preflight-async-not-supported.htm',
      'xhr/access-control-preflight-sync-not-supported.htm',
    ],
  },
  {
    id: 12,
    title: 'Allow-Methods and Allow-Headers matching (safelisted exempt, methods case-sensitive, names not)',
    files: [
      'fetch/api/cors/cors-preflight.any.js',
      'fetch/api/cors/cors-preflight-star.any.js',
      'cors/request-headers.htm',
      'xhr/access-control-preflight-async-header-denied.htm',
      'xhr/access-control-preflight-async-method-denied.htm',
    ],
  },
  {
    id: 13,
    title: 'Allow-list parsing (empty elements, several header lines, malformed lists fail)',
    files: [
      'xhr/allow-lists-starting-with-comma.htm',
      'fetch/api/cors/cors-preflight-response-validation.any.js',
    ],
  },
  {
    id: 14,
    title: '`*` in Allow-Methods/-Headers: wildcard without credentials, literal with; not Authorization',
    files: ['fetch/api/cors/cors-preflight-star.any.js', 'fetch/api/cors/cors-preflight.any.js'],
  },
  {
    id: 15,
    title: 'A credentialed preflight needs Allow-Credentials and the exact origin',
    files: ['fetch/api/cors/cors-preflight-star.any.js'],
  },
  {
    id: 16,
    title: 'Preflight cache hit within Max-Age; Max-Age 0',
    files: [
      'cors/preflight-cache.htm',
      'xhr/access-control-basic-allow-preflight-cache.any.js',
      'fetch/api/cors/cors-preflight-cache.any.js',
    ],
  },
  {
    id: 17,
    title: 'Negative Max-Age',
    files: ['cors/preflight-cache.htm'],
  },
  {
    id: 18,
    title: 'Cache entry expires once Max-Age has passed',
    files: ['cors/preflight-cache.htm', 'xhr/access-control-basic-allow-preflight-cache-timeout.any.js'],
  },
  {
    id: 19,
    title: 'Cache miss for a new method or header',
    files: [
      'xhr/access-control-basic-allow-preflight-cache-invalidation-by-header.any.js',
      'xhr/access-control-basic-allow-preflight-cache-invalidation-by-method.any.js',
    ],
  },
  {
    id: 20,
    title: 'Allow-Origin exact, `*`, absent or another origin',
    files: [
      'fetch/api/cors/cors-origin.any.js',
      'fetch/api/cors/cors-basic.any.js',
      'cors/basic.htm',
      'xhr/access-control-basic-allow.any.js',
      'xhr/access-control-basic-denied.htm',
    ],
  },
  {
    id: 21,
    title: 'Allow-Origin byte-exact (trailing slash, case, `:443`, `null`, empty; outer whitespace OK)',
    files: ['cors/origin.htm', 'cors/remote-origin.htm'],
  },
  {
    id: 22,
    title:
      'Allow-Origin patterns and garbage (`*.host`, `https://*.host`, URL with a path, host only, `"*"`)',
    files: ['cors/origin.htm'],
  },
  {
    id: 23,
    title: 'Several origins (comma list, duplicate lines)',
    files: ['fetch/api/cors/cors-multiple-origins.js', 'cors/origin.htm'],
  },
  {
    id: 24,
    title: 'A subdomain is not matched',
    files: ['cors/origin.htm'],
  },
  {
    id: 25,
    title: 'The actual response is checked again after the preflight',
    files: [
      'fetch/api/cors/cors-origin.any.js',
      'xhr/access-control-preflight-request-header-returns-origin.any.js',
    ],
  },
  {
    id: 26,
    title: 'Allow-Credentials must be exactly `true`; `*` with credentials refused',
    files: ['cors/credentials-flag.htm'],
  },
  {
    id: 27,
    title: 'Cookies sent only with `include`',
    files: ['fetch/api/cors/cors-cookies.any.js', 'cors/credentials-flag.htm'],
  },
  {
    id: 28,
    title: 'Set-Cookie from a CORS response honoured only with `include`',
    files: ['fetch/api/cors/cors-cookies.any.js', 'cors/credentials-flag.htm'],
  },
  {
    id: 29,
    title: 'Cookies after a cross-origin redirect',
    files: ['fetch/api/cors/cors-cookies-redirect.any.js'],
  },
  {
    id: 30,
    title: 'HTTP Basic auth cross-origin (header, URL credentials, 401)',
    files: [
      'xhr/send-authentication-cors-basic-setrequestheader.htm',
      'xhr/send-authentication-cors-setrequestheader-no-cred.htm',
      'xhr/send-authentication-basic-cors-not-enabled.htm',
      'xhr/access-control-preflight-credential-async.htm',
      'xhr/access-control-preflight-credential-sync.htm',
    ],
  },
  {
    id: 31,
    title: 'Response-header filtering (safelisted readable, incl. Content-Length)',
    files: ['fetch/api/cors/cors-filtering.js', 'cors/response-headers.htm'],
  },
  {
    id: 32,
    title: 'Expose-Headers: list, case, `*`, literal `*` with credentials; Set-Cookie never readable',
    files: ['fetch/api/cors/cors-expose-star.js', 'fetch/api/cors/cors-filtering.js'],
  },
  {
    id: 33,
    title: 'Expose-Headers parsing edge cases',
    files: ['cors/access-control-expose-headers-parsing.window.js'],
  },
  {
    id: 34,
    title: 'Expose-Headers on the final response after a redirect',
    files: ['xhr/access-control-expose-headers-on-redirect.html'],
  },
  {
    id: 35,
    title: 'Error statuses readable with CORS headers; network error without them',
    files: ['cors/status-async.htm', 'cors/status.htm'],
  },
  {
    id: 36,
    title: 'Non-2xx answer after a successful preflight',
    files: ['cors/status-preflight.htm'],
  },
  {
    id: 37,
    title: '304 and conditional requests',
    files: ['cors/304.htm', 'xhr/send-conditional-cors.htm', 'cors/script-304.html'],
  },
  {
    id: 38,
    title: 'Simple-request redirects; every hop CORS-checked',
    files: [
      'fetch/api/cors/cors-redirect.any.js',
      'xhr/access-control-and-redirects.any.js',
      'xhr/access-control-and-redirects-async.any.js',
      'xhr/access-control-and-redirects-async-same-origin.any.js',
    ],
  },
  {
    id: 39,
    title: 'Origin becomes `null` after a cross-origin redirect',
    files: [
      'fetch/api/cors/cors-redirect.any.js',
      'fetch/api/redirect/redirect-origin.any.js',
      'cors/redirect-origin.htm',
    ],
  },
  {
    id: 40,
    title: 'Redirect of a preflighted request (allowed; new preflight at the target)',
    files: [
      'fetch/api/cors/cors-redirect-preflight.any.js',
      'cors/redirect-preflight.htm',
      'cors/redirect-preflight-2.htm',
    ],
  },
  {
    id: 41,
    title: 'Method rewriting on redirect',
    files: ['fetch/api/redirect/redirect-method.any.js', 'xhr/send-redirect-to-cors.htm'],
  },
  {
    id: 42,
    title: 'Redirect edge cases: userinfo, data: URL, more than 20 hops, manual/error modes',
    files: [
      'fetch/api/cors/cors-redirect-credentials.any.js',
      'cors/redirect-userinfo.htm',
      'fetch/api/redirect/redirect-to-dataurl.any.js',
      'fetch/api/redirect/redirect-count.any.js',
      'fetch/api/redirect/redirect-mode.any.js',
    ],
  },
  {
    id: 43,
    title: '`no-cors` gives an opaque response; `same-origin` mode refuses',
    files: [
      'fetch/api/cors/cors-basic.any.js',
      'fetch/api/basic/mode-no-cors.js',
      'fetch/api/basic/mode-same-origin.any.js',
    ],
  },
  {
    id: 44,
    title: 'Origin header on same-origin non-GET requests and under Referrer-Policy',
    files: ['fetch/api/basic/request-headers.js', 'fetch/origin/assorted.window.js'],
    leftOut: 'same-origin requests: every scenario calls an API of another origin than its page',
  },
  {
    id: 45,
    title: 'Opaque-origin senders send `Origin: null`',
    files: [
      'xhr/access-control-sandboxed-iframe-allow-origin-null.htm',
      'xhr/access-control-sandboxed-iframe-allow.htm',
      'xhr/access-control-sandboxed-iframe-denied.htm',
      'fetch/api/cors/data-url-iframe.html',
      'fetch/api/cors/data-url-worker.html',
    ],
  },
  {
    id: 46,
    title: 'sendBeacon CORS',
    files: ['beacon/beacon-cors.sub.window.js', 'beacon/beacon-preflight-failure.sub.window.js'],
  },
  {
    id: 47,
    title: 'EventSource cross-origin and withCredentials',
    files: [
      'eventsource/eventsource-cross-origin.js',
      'eventsource/eventsource-cross-origin-preflight.window.js',
      'eventsource/request-credentials.htm',
    ],
  },
  {
    id: 48,
    title: 'Element loads with the `crossorigin` attribute',
    files: ['cors/script-304.html'],
    leftOut: 'elements other than the script (img, link) and the 304 revalidation of cached scripts',
  },
  {
    id: 49,
    title: 'Cross-origin FormData upload',
    files: ['xhr/cors-upload.any.js'],
  },
  {
    id: 50,
    title: 'XHR internals (late upload listeners, preflight body, repeated failures)',
    files: [
      'cors/late-upload-events.htm',
      'xhr/access-control-response-with-body.htm',
      'xhr/access-control-response-with-body-sync.htm',
      'xhr/access-control-recursive-failed-request.htm',
    ],
    leftOut:
      'late upload listeners: an XMLHttpRequest upload event, which a fetch() page has no counterpart of',
  },
];
