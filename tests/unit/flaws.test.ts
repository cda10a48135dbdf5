import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diagnose, intentOf, lookalike, mismatches } from '../../src/flaws/flaws.ts';
import { originMatches } from '../../src/policy/cors-headers.ts';
import type { WireExchange } from '../../src/wire/exchange.ts';

const PARTNER = 'https://partner.example.com';
const exchange = (origin: string, response: Array<[string, string]>): WireExchange => ({
  seq: 1,
  method: 'GET',
  url: 'https://api.example.test/x',
  requestHeaders: [['origin', origin]],
  status: 200,
  responseHeaders: response,
});
const flaws = (
  origin: string,
  response: Array<[string, string]>,
  allowed: string[] | '*' | null = [PARTNER],
) => diagnose([exchange(origin, response)], allowed).map((f) => f.flaw);

describe("the reference server's flawed origin matchers (src/policy/cors-headers.ts)", () => {
  const cases: Array<[string, Parameters<typeof originMatches>[2], boolean]> = [
    ['https://evil.example', 'reflect-any', true],
    ['https://partner.example.com.evil.example', 'prefix', true],
    ['https://evilpartner.example.com', 'suffix', true],
    ['https://notpartner.example.com.evil.example', 'substring', true],
    ['https://partnerxexample.com', 'unescaped-regex', true],
    ['https://evil.partner.example.com', 'any-subdomain', true],
    ['http://partner.example.com', 'ignore-scheme', true],
  ];
  for (const [origin, matching, lets] of cases) {
    it(`${matching} lets ${origin} in, exact does not`, () => {
      assert.equal(originMatches([PARTNER], origin, matching), lets);
      assert.equal(originMatches([PARTNER], origin, 'exact'), false);
    });
  }
  it('every matcher lets the listed origin itself in', () => {
    for (const [, matching] of cases)
      assert.equal(originMatches([PARTNER], PARTNER, matching), true, matching);
  });
});

describe('diagnose: naming the flaw from the wire', () => {
  it('names each look-alike by the naive match that lets it in', () => {
    assert.deepEqual(
      [
        'https://partner.example.com.evil.example',
        'https://evilpartner.example.com',
        'https://notpartner.example.com.evil.example',
        'https://partnerxexample.com',
        'https://evil.partner.example.com',
        'http://partner.example.com',
        'https://evil.example',
      ].map((o) => lookalike(o, PARTNER)),
      [
        'prefix matching',
        'suffix matching',
        'substring matching',
        'unescaped-dot regex',
        'any subdomain trusted',
        'http origin trusted by an https API',
        null,
      ],
    );
  });
  it('calls an arbitrary echoed origin a reflection', () => {
    assert.deepEqual(
      flaws('https://evil.example', [
        ['access-control-allow-origin', 'https://evil.example'],
        ['vary', 'Origin'],
      ]),
      ['origin reflection'],
    );
  });
  it('finds null trusted, wildcard with credentials and comma lists', () => {
    assert.deepEqual(
      flaws('null', [
        ['access-control-allow-origin', 'null'],
        ['vary', 'Origin'],
      ]),
      ['null origin trusted'],
    );
    assert.deepEqual(
      flaws(
        PARTNER,
        [
          ['access-control-allow-origin', '*'],
          ['access-control-allow-credentials', 'true'],
        ],
        '*',
      ),
      ['wildcard with credentials'],
    );
    assert.deepEqual(
      flaws(PARTNER, [['access-control-allow-origin', `${PARTNER}, https://app.example.test`]]),
      ['comma list in Allow-Origin'],
    );
  });
  it('finds an echoed origin without Vary: Origin, and nothing in a clean answer', () => {
    assert.deepEqual(flaws(PARTNER, [['access-control-allow-origin', PARTNER]]), ['missing Vary: Origin']);
    assert.deepEqual(
      flaws(PARTNER, [
        ['access-control-allow-origin', PARTNER],
        ['vary', 'Accept-Encoding, Origin'],
      ]),
      [],
    );
    assert.deepEqual(flaws('https://evil.example', [['access-control-allow-origin', '*']], '*'), []);
  });
  it('names no reflection for an echoed origin that is merely not in the policy: a mismatch', () => {
    // A typo in the policy (.org for .com): the server echoes its own listed partner; no flaw.
    const wire = [
      exchange('https://partner.example.com', [
        ['access-control-allow-origin', 'https://partner.example.com'],
        ['vary', 'Origin'],
      ]),
    ];
    const intent = intentOf(['https://partner.example.org']);
    assert.deepEqual(diagnose(wire, intent), []);
    assert.deepEqual(mismatches(wire, intent), ['https://partner.example.com']);
  });
  it('grades by what is granted: reflection is info without credentials, a failure with them', () => {
    const echo = (credentials: boolean) =>
      diagnose(
        [
          exchange('https://evil.example', [
            ['access-control-allow-origin', 'https://evil.example'],
            ['vary', 'Origin'],
            ...(credentials ? [['access-control-allow-credentials', 'true'] as [string, string]] : []),
          ]),
        ],
        '*',
      ).map((f) => `${f.flaw} (${f.severity})`);
    assert.deepEqual(echo(false), ['origin reflection (info)']);
    assert.deepEqual(echo(true), ['origin reflection (failure)']);
  });
});
