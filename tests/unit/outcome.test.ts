import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  describeOutcome,
  differences,
  ExpectedOutcome,
  exactly,
  Outcome,
} from '../../src/outcome/outcome.ts';
import { MASK, Secrets, secretsOf } from '../../src/report/secrets.ts';

const allowed: Outcome = { verdict: 'allowed', status: 200, readable: ['content-type', 'x-request-id'] };

describe('Outcome: one type, one comparison, one rendering', () => {
  it('the zod schema is the type: a record expectation and an engine verdict parse', () => {
    assert.deepEqual(ExpectedOutcome.parse({ verdict: 'blocked', stage: 'preflight' }), {
      verdict: 'blocked',
      stage: 'preflight',
    });
    assert.throws(() => ExpectedOutcome.parse({ verdict: 'blocked' }));
    assert.throws(() => Outcome.parse({ verdict: 'allowed', status: 200 }));
  });
  it('compares only what the expectation states', () => {
    assert.deepEqual(differences({ verdict: 'allowed' }, allowed), []);
    assert.deepEqual(differences({ verdict: 'allowed', status: 204 }, allowed), [
      'expected status 204; got 200',
    ]);
    assert.deepEqual(
      differences({ verdict: 'allowed', readable: ['X-Request-Id'], hidden: ['etag'] }, allowed),
      [],
    );
    assert.deepEqual(differences({ verdict: 'allowed', hidden: ['x-request-id'] }, allowed), [
      'expected x-request-id hidden from the page; the page reads it',
    ]);
  });
  it('a different verdict or stage is one line naming both', () => {
    assert.deepEqual(differences({ verdict: 'blocked', stage: 'preflight' }, allowed), [
      'expected blocked at the preflight; got allowed (status 200)',
    ]);
    assert.deepEqual(
      differences({ verdict: 'blocked', stage: 'response' }, { verdict: 'blocked', stage: 'preflight' }),
      ['expected blocked at the response; got blocked at the preflight'],
    );
    assert.deepEqual(
      differences(
        { verdict: 'blocked', stage: 'preflight' },
        { verdict: 'unreachable', cause: 'tls', detail: 'self-signed' },
      ),
      ['expected blocked at the preflight; got unreachable (tls): self-signed'],
    );
  });
  it('a reason is compared where both sides have one', () => {
    const blocked: Outcome = {
      verdict: 'blocked',
      stage: 'preflight',
      reason: { code: 'preflight-status-not-ok', status: 500 },
    };
    assert.deepEqual(
      differences({ verdict: 'blocked', stage: 'preflight', reason: 'preflight-status-not-ok' }, blocked),
      [],
    );
    assert.equal(
      differences({ verdict: 'blocked', stage: 'preflight', reason: 'allow-origin-missing' }, blocked).length,
      1,
    );
    assert.equal(
      describeOutcome(blocked),
      'blocked at the preflight: the preflight was answered 500, not an ok status (200-299)',
    );
  });
  it('exactly(): one reading held against another, headers included', () => {
    const oracle = exactly(allowed, ['Content-Type', 'X-Request-Id', 'X-Secret-Header']);
    assert.deepEqual(differences(oracle, allowed), []);
    assert.equal(differences(oracle, { ...allowed, readable: ['content-type'] }).length, 1);
    assert.equal(
      differences(oracle, { ...allowed, readable: [...allowed.readable, 'x-secret-header'] }).length,
      1,
    );
  });
});

describe('secrets are masked, the header names stay', () => {
  it('masks the API key, Authorization (and its token) and cookie values', () => {
    const secrets = secretsOf(
      {
        url: 'https://api.example.test/x',
        method: 'GET',
        headers: [
          ['apikey', 'k3y-canary'],
          ['Authorization', 'Bearer t0ken-canary'],
        ],
        credentials: 'include',
        body: null,
        mode: 'cors',
        cookie: 'session=c00kie-canary; Path=/',
        timeoutMs: 1000,
      },
      'k3y-canary',
    );
    const text = 'apikey k3y-canary, token t0ken-canary, cookie c00kie-canary';
    assert.equal(secrets.mask(text), `apikey ${MASK}, token ${MASK}, cookie ${MASK}`);
    assert.deepEqual(
      secrets.maskHeaders([
        ['APIKEY', 'anything'],
        ['x-tenant', 'acme'],
      ]),
      [
        ['APIKEY', MASK],
        ['x-tenant', 'acme'],
      ],
    );
  });
  it('masks a secret that contains another whole', () => {
    assert.equal(new Secrets(['abcd', 'abcdef']).mask('abcdef abcd'), `${MASK} ${MASK}`);
  });
});

describe('the cookie outcome: allowed, with the cookie withheld', () => {
  it('is a difference of its own, explained, when the expectation states it', () => {
    const withheld: Outcome = { verdict: 'allowed', status: 200, readable: [], cookies: 'withheld' };
    const [found] = differences({ verdict: 'allowed', cookies: 'sent' }, withheld);
    assert.match(
      found ?? '',
      /expected the request's cookie sent; the engine withheld the request's cookie: CORS let it through/,
    );
    assert.deepEqual(differences({ verdict: 'allowed' }, withheld), [], 'not stated, not compared');
    assert.match(describeOutcome(withheld), /^allowed \(status 200\), but the engine withheld/);
  });
});
