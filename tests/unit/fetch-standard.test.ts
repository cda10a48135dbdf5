import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  corsUnsafeRequestHeaderNames,
  extractTokenList,
  getHeader,
  isCorsSafelistedMethod,
  isCorsSafelistedRequestHeader,
  isForbiddenRequestHeader,
  mimeEssence,
  normalizeMethod,
} from '../../src/fetch-standard/rules.ts';

describe('#cors-safelisted-method and #concept-method-normalize', () => {
  it('safelists exactly GET, HEAD and POST', () => {
    assert.deepEqual(
      ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'].map(isCorsSafelistedMethod),
      [true, true, true, false, false, false, false],
    );
  });
  it('upper-cases the six standard methods but leaves patch as written', () => {
    assert.deepEqual(
      ['get', 'post', 'delete', 'put', 'options', 'head', 'patch', 'Patch'].map(normalizeMethod),
      ['GET', 'POST', 'DELETE', 'PUT', 'OPTIONS', 'HEAD', 'patch', 'Patch'],
    );
  });
});

describe('#cors-safelisted-request-header', () => {
  it('accepts the three form Content-Types, with parameters', () => {
    for (const value of [
      'text/plain',
      'text/plain;charset=UTF-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'TEXT/PLAIN',
    ]) {
      assert.equal(isCorsSafelistedRequestHeader('Content-Type', value), true, value);
    }
  });
  it('refuses other Content-Types, unparsable ones and ones with unsafe bytes', () => {
    for (const value of [
      'application/json',
      'text/html',
      'text',
      '',
      'text/plain; charset="a(b"',
      'text/plain\u0001',
    ]) {
      assert.equal(isCorsSafelistedRequestHeader('content-type', value), false, JSON.stringify(value));
    }
  });
  it('refuses any value over 128 bytes', () => {
    assert.equal(isCorsSafelistedRequestHeader('Accept', 'a'.repeat(128)), true);
    assert.equal(isCorsSafelistedRequestHeader('Accept', 'a'.repeat(129)), false);
  });
  it('limits Accept-Language and Content-Language to language bytes', () => {
    assert.equal(isCorsSafelistedRequestHeader('Accept-Language', 'en-US,en;q=0.9'), true);
    assert.equal(isCorsSafelistedRequestHeader('Content-Language', 'en_US'), false);
  });
  it('accepts a Range with a start, refuses a suffix range', () => {
    assert.equal(isCorsSafelistedRequestHeader('Range', 'bytes=0-99'), true);
    assert.equal(isCorsSafelistedRequestHeader('Range', 'bytes=100-'), true);
    assert.equal(isCorsSafelistedRequestHeader('Range', 'bytes=-500'), false);
    assert.equal(isCorsSafelistedRequestHeader('Range', 'bytes=0-1,5-6'), false);
    // The safelist parses without whitespace (allowWhitespace false), as all three engines do.
    assert.equal(isCorsSafelistedRequestHeader('Range', 'bytes = 0 - 9'), false);
    assert.equal(isCorsSafelistedRequestHeader('Range', 'bytes=10-5'), false);
    assert.equal(isCorsSafelistedRequestHeader('Range', 'items=0-9'), false);
  });
  it('never safelists anything else: apikey, Authorization, X-Anything', () => {
    for (const name of ['apikey', 'Authorization', 'X-Tenant', 'test']) {
      assert.equal(isCorsSafelistedRequestHeader(name, 'x'), false, name);
    }
  });
});

describe('#cors-unsafe-request-header-names', () => {
  it('is the sorted, lower-cased set of names that are not safelisted', () => {
    assert.deepEqual(
      corsUnsafeRequestHeaderNames([
        ['Content-Type', 'application/json'],
        ['apikey', 'k'],
        ['test', '1'],
        ['Accept', 'text/html'],
      ]),
      ['apikey', 'content-type', 'test'],
    );
  });
  it('makes every safelisted header unsafe once their values exceed 1024 bytes together', () => {
    const headers = Array.from(
      { length: 9 },
      (_, i) => [`Accept${i ? '-Language' : ''}`, 'a'.repeat(120)] as const,
    );
    assert.deepEqual(corsUnsafeRequestHeaderNames(headers), ['accept', 'accept-language']);
    assert.deepEqual(corsUnsafeRequestHeaderNames(headers.slice(0, 8)), []);
  });
});

describe('#forbidden-request-header', () => {
  it('forbids the listed names, Proxy-/Sec- prefixes and method overrides to forbidden methods', () => {
    for (const [name, value] of [
      ['Cookie', 'a=b'],
      ['Origin', 'x'],
      ['Sec-Fetch-Mode', 'cors'],
      ['Proxy-Authorization', 'x'],
      ['X-HTTP-Method-Override', 'TRACE'],
    ] as const) {
      assert.equal(isForbiddenRequestHeader(name, value), true, name);
    }
    assert.equal(isForbiddenRequestHeader('X-HTTP-Method-Override', 'PATCH'), false);
    assert.equal(isForbiddenRequestHeader('apikey', 'k'), false);
  });
});

describe('header list parsing', () => {
  it('combines duplicate headers with ", " when getting a value', () => {
    assert.equal(
      getHeader(
        [
          ['Access-Control-Allow-Origin', 'https://a.example'],
          ['access-control-allow-origin', 'https://b.example'],
        ],
        'access-control-allow-origin',
      ),
      'https://a.example, https://b.example',
    );
  });
  it('extracts token lists across headers, skipping empty elements', () => {
    assert.deepEqual(
      extractTokenList(
        [
          ['Access-Control-Allow-Methods', 'GET, ,POST'],
          ['Access-Control-Allow-Methods', 'PUT'],
        ],
        'access-control-allow-methods',
      ),
      {
        kind: 'list',
        items: ['GET', 'POST', 'PUT'],
      },
    );
    assert.deepEqual(extractTokenList([], 'access-control-allow-methods'), { kind: 'absent' });
  });
  it('fails a list holding something that is not a token', () => {
    assert.equal(
      extractTokenList([['Access-Control-Allow-Headers', 'x-a; x-b']], 'access-control-allow-headers').kind,
      'failure',
    );
    assert.equal(
      extractTokenList([['Access-Control-Allow-Headers', '"x-a"']], 'access-control-allow-headers').kind,
      'failure',
    );
  });
  it('parses MIME essences like the MIME Sniffing standard', () => {
    assert.equal(mimeEssence(' Text/Plain ; charset=utf-8'), 'text/plain');
    assert.equal(mimeEssence('text/'), null);
    assert.equal(mimeEssence('/plain'), null);
  });
});
