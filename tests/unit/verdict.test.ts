import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FetchOutcome } from '../../src/engines/session.ts';
import { causeOf, classify } from '../../src/run/verdict.ts';
import type { WireExchange } from '../../src/wire/exchange.ts';

let seq = 0;
const exchange = (
  method: string,
  status: number | null,
  extra: Partial<WireExchange> = {},
): WireExchange => ({
  seq: ++seq,
  method,
  url: 'https://api.example.test/x?cors-conformance=t',
  requestHeaders: method === 'OPTIONS' ? [['Access-Control-Request-Method', 'PUT']] : [],
  status,
  responseHeaders: [],
  ...extra,
});
const rejected: FetchOutcome = { kind: 'rejected', name: 'TypeError', message: 'Failed to fetch', ms: 5 };
/** A page outcome that resolved, of this response type and status, reading no header. */
const resolvedAs = (type: string, status: number): FetchOutcome => ({
  kind: 'resolved',
  status,
  type,
  redirected: false,
  url: '',
  headers: [],
  bodyBytes: 0,
  ms: 3,
});

describe('classify: the one place a verdict is built', () => {
  it('an allowed request is sent or withheld its cookie, when the scenario names one', () => {
    const outcome = resolvedAs('cors', 200);
    const get = (cookie: string | null) =>
      exchange('GET', 200, { requestHeaders: cookie === null ? [] : [['Cookie', cookie]] });
    assert.deepEqual(classify(outcome, [get('a=1; cc_set=1')], ['cc_set']), {
      verdict: 'allowed',
      status: 200,
      readable: [],
      cookies: 'sent',
    });
    assert.equal(
      (classify(outcome, [get('cc_settle=1')], ['cc_set']) as { cookies?: string }).cookies,
      'withheld',
    );
    assert.equal((classify(outcome, [get(null)], ['cc_set']) as { cookies?: string }).cookies, 'withheld');
    assert.equal('cookies' in classify(outcome, [get(null)]), false, 'no cookie named, no cookie outcome');
  });
  it('a queued beacon: opaque once its request is sent, blocked at a preflight nothing followed', () => {
    const queued: FetchOutcome = { kind: 'queued', ms: 1 };
    assert.deepEqual(classify(queued, [exchange('OPTIONS', 204), exchange('POST', 200)]), {
      verdict: 'opaque',
    });
    assert.deepEqual(classify(queued, [exchange('POST', 200)]), { verdict: 'opaque' });
    assert.deepEqual(classify(queued, [exchange('OPTIONS', 204)]), {
      verdict: 'blocked',
      stage: 'preflight',
    });
  });
  it('an opaque response (no-cors, or a manual redirect) is opaque, never allowed', () => {
    for (const type of ['opaque', 'opaqueredirect'])
      assert.deepEqual(classify(resolvedAs(type, 0), [exchange('GET', 200)]), { verdict: 'opaque' });
  });
  it('a resolved fetch is allowed, with the headers the page could read', () => {
    const outcome: FetchOutcome = {
      kind: 'resolved',
      status: 404,
      type: 'cors',
      redirected: false,
      url: '',
      headers: [
        ['Content-Type', 'text/plain'],
        ['content-length', '3'],
      ],
      bodyBytes: 3,
      ms: 4,
    };
    assert.deepEqual(classify(outcome, [exchange('GET', 404)]), {
      verdict: 'allowed',
      status: 404,
      readable: ['content-length', 'content-type'],
    });
  });
  it('a rejected fetch with only the preflight on the wire is blocked at the preflight', () => {
    assert.deepEqual(classify(rejected, [exchange('OPTIONS', 204)]), {
      verdict: 'blocked',
      stage: 'preflight',
    });
  });
  it('a rejected fetch whose request reached the server is blocked at the response', () => {
    assert.deepEqual(classify(rejected, [exchange('OPTIONS', 204), exchange('POST', 404)]), {
      verdict: 'blocked',
      stage: 'response',
    });
  });
  it('nothing on the wire: the engine refused to send (every request goes through the proxy)', () => {
    assert.deepEqual(classify(rejected, []), { verdict: 'blocked', stage: 'before-request' });
  });
  it('a proxy failure tag is unreachable with its cause, even though a 502 came back', () => {
    const verdict = classify(rejected, [exchange('GET', 502, { failure: 'passthrough-error:ECONNREFUSED' })]);
    assert.deepEqual(
      { verdict: verdict.verdict, cause: verdict.verdict === 'unreachable' && verdict.cause },
      { verdict: 'unreachable', cause: 'connection-refused' },
    );
  });
  it('a gateway 502/503/504 without Allow-Origin is unreachable, with Allow-Origin it is a response', () => {
    assert.equal(classify(rejected, [exchange('GET', 503)]).verdict, 'unreachable');
    assert.deepEqual(classify(rejected, [exchange('GET', 500)]), {
      verdict: 'blocked',
      stage: 'response',
    });
    const withCors = exchange('GET', 502, {
      responseHeaders: [['Access-Control-Allow-Origin', 'https://other.example']],
    });
    assert.deepEqual(classify(rejected, [withCors]), { verdict: 'blocked', stage: 'response' });
  });
  it('a timeout is unreachable (timeout)', () => {
    const verdict = classify({ kind: 'timeout', ms: 2000 }, [exchange('GET', 0, { failure: 'aborted' })]);
    assert.equal(verdict.verdict === 'unreachable' && verdict.cause, 'timeout');
  });
});

describe('causes from the recording proxy', () => {
  it('maps mockttp tags to causes', () => {
    assert.deepEqual(
      [
        'passthrough-error:ECONNREFUSED',
        'passthrough-error:ENOTFOUND',
        'passthrough-error:EAI_AGAIN',
        'passthrough-error:DEPTH_ZERO_SELF_SIGNED_CERT',
        'passthrough-tls-error:ssl-alert-42',
        'passthrough-error:ETIMEDOUT',
        'passthrough-error:ECONNRESET',
        'proxy-refused-host',
      ].map(causeOf),
      [
        'connection-refused',
        'unknown-host',
        'unknown-host',
        'tls',
        'tls',
        'timeout',
        'connection-failed',
        'proxy-refused',
      ],
    );
  });
});
