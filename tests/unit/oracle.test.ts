import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type FetchWire, type OracleRequest, readWire } from '../../src/fetch-standard/oracle.ts';
import type { HeaderList } from '../../src/fetch-standard/rules.ts';
import { ORIGIN, request } from './requests.ts';

const response = (status: number, headers: Record<string, string> | HeaderList = {}) => ({
  status,
  headers: Array.isArray(headers) ? headers : Object.entries(headers),
});
const SEED_PREFLIGHT = response(204, {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET',
  'access-control-allow-headers': 'Authorization, Content-Type, apikey',
});
const withApiKey: HeaderList = [
  ['Content-Type', 'application/json'],
  ['apikey', 'demo-key'],
];
const read = (req: OracleRequest, wire: Partial<FetchWire>) =>
  readWire(req, { preflight: null, actual: null, ...wire });
const blockedCode = (reading: ReturnType<typeof readWire>) =>
  reading.verdict === 'blocked' ? `${reading.stage}:${reading.reason.code}` : reading.verdict;
const texts = (reading: ReturnType<typeof readWire>) => reading.steps.map((s) => s.text).join('\n');

describe('the seed examples', () => {
  it('example 1: GET with Content-Type and apikey is allowed after the preflight', () => {
    const reading = read(request({ headers: withApiKey }), {
      preflight: SEED_PREFLIGHT,
      actual: response(200, { 'access-control-allow-origin': '*', 'content-type': 'application/json' }),
    });
    assert.equal(reading.verdict, 'allowed');
    assert.match(texts(reading), /apikey, content-type are not CORS-safelisted request-headers/);
  });
  it('example 2: header `test` is refused by the preflight', () => {
    const reading = read(request({ headers: [...withApiKey, ['test', '1']] }), { preflight: SEED_PREFLIGHT });
    assert.equal(blockedCode(reading), 'preflight:header-not-allowed');
    assert.match(
      texts(reading),
      /Access-Control-Allow-Headers from the preflight \(Authorization, Content-Type, apikey\) does not list `test`/,
    );
  });
  it('example 3: POST is safelisted, the 404 without Allow-Origin is what blocks', () => {
    const reading = read(request({ method: 'POST', headers: withApiKey }), {
      preflight: SEED_PREFLIGHT,
      actual: response(404, { 'content-type': 'application/json' }),
    });
    assert.equal(blockedCode(reading), 'response:allow-origin-missing');
    assert.match(
      texts(reading),
      /POST is a CORS-safelisted method, so Access-Control-Allow-Methods \(GET\) did not block it/,
    );
    assert.match(texts(reading), /answered 404, but the response has no Access-Control-Allow-Origin/);
  });
});

describe('when a preflight is needed (#main-fetch)', () => {
  it('is not needed for a GET with safelisted headers; the response alone decides', () => {
    const reading = read(request({ headers: [['Accept', 'application/json']] }), {
      actual: response(200, { 'access-control-allow-origin': '*' }),
    });
    assert.equal(reading.verdict, 'allowed');
    assert.equal(reading.verdict === 'allowed' && reading.preflightRequired, false);
  });
  it('is needed for PUT even with no header (#cors-safelisted-method)', () => {
    assert.equal(read(request({ method: 'PUT' }), {}).verdict, 'incomplete');
  });
  it('notes a reused preflight when the actual request came alone (#cors-preflight-cache)', () => {
    const reading = read(request({ method: 'PUT' }), {
      actual: response(200, { 'access-control-allow-origin': '*' }),
    });
    assert.equal(reading.verdict, 'allowed');
    assert.match(texts(reading), /reused a cached preflight/);
  });
});

describe('#ok-status on the preflight', () => {
  for (const status of [200, 204, 299]) {
    it(`passes ${status}`, () => {
      assert.equal(
        read(request({ method: 'PUT' }), {
          preflight: response(status, {
            'access-control-allow-origin': '*',
            'access-control-allow-methods': 'PUT',
          }),
          actual: response(200, { 'access-control-allow-origin': '*' }),
        }).verdict,
        'allowed',
      );
    });
  }
  for (const status of [301, 400, 404, 500]) {
    it(`refuses ${status}, even with every CORS header`, () => {
      const reading = read(request({ method: 'PUT' }), {
        preflight: response(status, {
          'access-control-allow-origin': '*',
          'access-control-allow-methods': 'PUT',
        }),
      });
      assert.equal(blockedCode(reading), 'preflight:preflight-status-not-ok');
    });
  }
});

describe('#concept-cors-check', () => {
  const simple = (
    headers: Record<string, string> | HeaderList,
    credentials: OracleRequest['credentials'] = 'same-origin',
  ) => blockedCode(read(request({ credentials }), { actual: response(200, headers) }));
  it('fails without Access-Control-Allow-Origin', () =>
    assert.equal(simple({}), 'response:allow-origin-missing'));
  it('passes `*` without credentials', () =>
    assert.equal(simple({ 'access-control-allow-origin': '*' }), 'allowed'));
  it('passes the exact origin', () =>
    assert.equal(simple({ 'access-control-allow-origin': ORIGIN }), 'allowed'));
  it('fails another origin, a trailing slash, another case, another port', () => {
    for (const value of [
      'https://evil.example',
      `${ORIGIN}/`,
      ORIGIN.toUpperCase(),
      `${ORIGIN}:443`,
      'null',
    ]) {
      assert.equal(simple({ 'access-control-allow-origin': value }), 'response:allow-origin-mismatch', value);
    }
  });
  it('fails two Allow-Origin headers even if one matches (they combine into a list)', () => {
    assert.equal(
      simple([
        ['access-control-allow-origin', ORIGIN],
        ['access-control-allow-origin', 'https://other.example'],
      ]),
      'response:allow-origin-mismatch',
    );
  });
  it('fails `*` with credentials', () =>
    assert.equal(
      simple({ 'access-control-allow-origin': '*', 'access-control-allow-credentials': 'true' }, 'include'),
      'response:allow-origin-wildcard-with-credentials',
    ));
  it('needs Allow-Credentials exactly `true` with credentials', () => {
    assert.equal(
      simple({ 'access-control-allow-origin': ORIGIN }, 'include'),
      'response:allow-credentials-not-true',
    );
    assert.equal(
      simple(
        { 'access-control-allow-origin': ORIGIN, 'access-control-allow-credentials': 'True' },
        'include',
      ),
      'response:allow-credentials-not-true',
    );
    assert.equal(
      simple(
        { 'access-control-allow-origin': ORIGIN, 'access-control-allow-credentials': 'true' },
        'include',
      ),
      'allowed',
    );
  });
});

describe('#cors-preflight-fetch-0: Allow-Methods', () => {
  const preflighted = (
    method: string,
    allowMethods: string | null,
    credentials: OracleRequest['credentials'] = 'same-origin',
  ) => {
    const origin = credentials === 'include' ? ORIGIN : '*';
    const headers: Record<string, string> = {
      'access-control-allow-origin': origin,
      'access-control-allow-credentials': 'true',
    };
    if (allowMethods !== null) headers['access-control-allow-methods'] = allowMethods;
    return blockedCode(
      read(request({ method, credentials }), {
        preflight: response(204, headers),
        actual: response(200, {
          'access-control-allow-origin': origin,
          'access-control-allow-credentials': 'true',
        }),
      }),
    );
  };
  it('allows a listed method', () => assert.equal(preflighted('DELETE', 'GET, DELETE'), 'allowed'));
  it('refuses an unlisted one', () =>
    assert.equal(preflighted('DELETE', 'GET, PUT'), 'preflight:method-not-allowed'));
  it('refuses when Allow-Methods is absent', () =>
    assert.equal(preflighted('PUT', null), 'preflight:method-not-allowed'));
  it('matches byte for byte: `patch` is not `PATCH`', () => {
    assert.equal(preflighted('patch', 'PATCH'), 'preflight:method-not-allowed');
    assert.equal(preflighted('PATCH', 'PATCH'), 'allowed');
  });
  it('takes `*` as any method without credentials, but not with them', () => {
    assert.equal(preflighted('DELETE', '*'), 'allowed');
    assert.equal(preflighted('DELETE', '*', 'include'), 'preflight:method-not-allowed');
  });
  it('refuses a malformed list', () =>
    assert.equal(preflighted('PUT', 'PUT; DELETE'), 'preflight:allow-methods-malformed'));
});

describe('#cors-preflight-fetch-0: Allow-Headers', () => {
  const withHeader = (
    headers: HeaderList,
    allowHeaders: string | null,
    credentials: OracleRequest['credentials'] = 'same-origin',
  ) => {
    const origin = credentials === 'include' ? ORIGIN : '*';
    const h: Record<string, string> = {
      'access-control-allow-origin': origin,
      'access-control-allow-credentials': 'true',
    };
    if (allowHeaders !== null) h['access-control-allow-headers'] = allowHeaders;
    return blockedCode(
      read(request({ headers, credentials }), {
        preflight: response(204, h),
        actual: response(200, {
          'access-control-allow-origin': origin,
          'access-control-allow-credentials': 'true',
        }),
      }),
    );
  };
  it('matches names case-insensitively', () =>
    assert.equal(withHeader([['X-Tenant', 'a']], 'x-tenant'), 'allowed'));
  it('refuses an unlisted header', () =>
    assert.equal(withHeader([['X-Tenant', 'a']], 'apikey'), 'preflight:header-not-allowed'));
  it('takes `*` as any header without credentials, not with them', () => {
    assert.equal(withHeader([['X-Tenant', 'a']], '*'), 'allowed');
    assert.equal(withHeader([['X-Tenant', 'a']], '*', 'include'), 'preflight:header-not-allowed');
  });
  it('never lets `*` cover Authorization (#cors-non-wildcard-request-header-name)', () => {
    assert.equal(withHeader([['Authorization', 'Bearer t']], '*'), 'preflight:authorization-not-listed');
    assert.equal(withHeader([['Authorization', 'Bearer t']], '*, Authorization'), 'allowed');
  });
  it('does not ask about safelisted headers', () => {
    assert.equal(
      withHeader(
        [
          ['Content-Type', 'application/json'],
          ['Accept', 'text/csv'],
        ],
        'Content-Type',
      ),
      'allowed',
    );
  });
  it('refuses a malformed list', () =>
    assert.equal(withHeader([['X-A', '1']], 'x-a x-b'), 'preflight:allow-headers-malformed'));
});

describe('#concept-response-cors-exposed-header-name-list', () => {
  const exposed = (
    headers: Record<string, string>,
    credentials: OracleRequest['credentials'] = 'same-origin',
  ) => {
    const reading = read(request({ credentials }), { actual: response(200, headers) });
    return reading.verdict === 'allowed' ? reading.readable : reading.verdict;
  };
  const base = {
    'access-control-allow-origin': ORIGIN,
    'access-control-allow-credentials': 'true',
    'content-type': 'text/csv',
    'x-execution-id': '7',
    'content-disposition': 'attachment',
  };
  it('exposes safelisted response headers only, by default', () => {
    assert.deepEqual(exposed(base), ['content-type']);
  });
  it('adds what Expose-Headers lists', () => {
    assert.deepEqual(exposed({ ...base, 'access-control-expose-headers': 'X-Execution-Id' }), [
      'content-type',
      'x-execution-id',
    ]);
  });
  it('takes `*` as every header without credentials, literally with them', () => {
    const star = { ...base, 'access-control-expose-headers': '*' };
    assert.deepEqual(exposed(star), [
      'access-control-allow-credentials',
      'access-control-allow-origin',
      'access-control-expose-headers',
      'content-disposition',
      'content-type',
      'x-execution-id',
    ]);
    assert.deepEqual(exposed(star, 'include'), ['content-type']);
  });
});

describe('#main-fetch refusals before anything is sent', () => {
  it('blocks an https page fetching plain http (mixed content), but not http://localhost', () => {
    const mixed = read(request({ url: 'http://api.example.com/orders' }), {});
    assert.equal(blockedCode(mixed), 'before-request:mixed-content');
    assert.equal(read(request({ url: 'http://localhost:3000/orders' }), {}).verdict, 'incomplete');
    assert.equal(read(request({ url: 'http://127.0.0.1:3000/orders' }), {}).verdict, 'incomplete');
    assert.equal(
      read(request({ url: 'http://api.example.com/orders', origin: 'http://app.example.test' }), {}).verdict,
      'incomplete',
    );
  });
  it('blocks a bad port (#block-bad-port) whatever the origin', () => {
    assert.equal(
      blockedCode(read(request({ url: 'https://api.example.test:6000/x' }), {})),
      'before-request:bad-port',
    );
    assert.equal(read(request({ url: 'https://api.example.test:6001/x' }), {}).verdict, 'incomplete');
  });
});

describe('requests whose mode is not cors, and URLs the page cannot send', () => {
  const allowAll = response(200, { 'access-control-allow-origin': '*', 'x-request-id': 'r-1' });
  it('no-cors: sent without a preflight, answered opaque whatever the CORS headers', () => {
    for (const actual of [allowAll, response(200)]) {
      const reading = read(request({ mode: 'no-cors', headers: [['X-Tenant', 'acme']] }), { actual });
      assert.equal(reading.verdict, 'opaque');
      assert.equal(reading.preflightRequired, false);
      assert.match(texts(reading), /opaque: the page reads no status, no header and no body/);
    }
  });
  it('no-cors: a method that is not safelisted is refused before anything is sent', () => {
    const reading = read(request({ mode: 'no-cors', method: 'PUT' }), {});
    assert.equal(blockedCode(reading), 'before-request:no-cors-method');
  });
  it('no-cors: nothing on the wire is no judgement', () => {
    assert.equal(read(request({ mode: 'no-cors' }), {}).verdict, 'incomplete');
  });
  it('same-origin: another origin is refused before anything is sent; its own origin reads as cors', () => {
    assert.equal(
      blockedCode(read(request({ mode: 'same-origin' }), { actual: allowAll })),
      'before-request:mode-same-origin',
    );
    const own = read(request({ mode: 'same-origin', url: `${ORIGIN}/x` }), { actual: allowAll });
    assert.equal(own.verdict, 'allowed');
  });
  it('a URL with a username or password is refused before anything is sent', () => {
    const reading = read(request({ url: 'https://user:secret@api.example.test/orders' }), {});
    assert.equal(blockedCode(reading), 'before-request:url-credentials');
    assert.match(texts(reading), /holds a username or password/);
  });
});

describe('redirects the Fetch standard refuses whatever their CORS headers', () => {
  const redirectTo = (location: string) => response(302, { 'access-control-allow-origin': '*', location });
  const hops = (...answers: ReturnType<typeof response>[]) =>
    answers.map((actual) => ({ preflight: null, actual }));
  const TARGET = 'https://api.example.test/next';
  it('redirect mode error refuses, manual gives an opaque redirect', () => {
    assert.equal(
      blockedCode(readWire(request({ redirect: 'error' }), hops(redirectTo(TARGET)))),
      'response:redirect-refused',
    );
    assert.equal(readWire(request({ redirect: 'manual' }), hops(redirectTo(TARGET))).verdict, 'opaque');
  });
  it('a data: URL, or a URL with credentials on another origin, is refused', () => {
    for (const location of ['data:text/plain,hello', 'https://user:pw@api2.example.test/x']) {
      const reading = readWire(request(), hops(redirectTo(location)));
      assert.equal(blockedCode(reading), 'response:redirect-refused', location);
    }
  });
  it('20 redirects are followed; the 21st is refused', () => {
    const twenty = Array.from({ length: 20 }, () => redirectTo(TARGET));
    const ok = response(200, { 'access-control-allow-origin': '*' });
    assert.equal(readWire(request(), hops(...twenty, ok)).verdict, 'allowed');
    const reading = readWire(request(), hops(...twenty, redirectTo(TARGET)));
    assert.equal(blockedCode(reading), 'response:redirect-refused');
    assert.match(texts(reading), /already been redirected 20 times/);
  });
});

describe('a beacon, whose answer no page reads', () => {
  const beacon = (headers: HeaderList = []) =>
    request({ api: 'beacon', method: 'POST', credentials: 'include', headers });
  it('sent: opaque, even where the answer would fail a credentialed CORS check', () => {
    const reading = read(beacon(), { actual: response(200, { 'access-control-allow-origin': '*' }) });
    assert.equal(reading.verdict, 'opaque');
    assert.match(texts(reading), /the page never reads its answer/);
  });
  it('a JSON beacon is preflighted with credentials, and a preflight answered `*` stops it', () => {
    const json = beacon([['Content-Type', 'application/json']]);
    const reading = read(json, {
      preflight: response(204, { 'access-control-allow-origin': '*', 'access-control-allow-headers': '*' }),
    });
    assert.equal(reading.preflightRequired, true);
    assert.equal(blockedCode(reading), 'preflight:allow-origin-wildcard-with-credentials');
  });
});

describe('an API that shows the page no response header', () => {
  it('an EventSource or a script element reads none, where fetch() would read the safelisted ones', () => {
    const actual = response(200, { 'access-control-allow-origin': '*', 'content-type': 'text/event-stream' });
    for (const api of ['event-source', 'script'] as const) {
      const reading = read(request({ api }), { actual });
      assert.equal(reading.verdict, 'allowed');
      assert.deepEqual(reading.verdict === 'allowed' && reading.readable, [], api);
    }
    const fetched = read(request(), { actual });
    assert.deepEqual(fetched.verdict === 'allowed' && fetched.readable, ['content-type']);
  });
});
