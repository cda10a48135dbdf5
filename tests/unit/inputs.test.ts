import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readInputs } from '../../src/input/inputs.ts';
import { problems } from './input-problems.ts';

describe('the run inputs from the environment', () => {
  it('defaults to the reference realm and https://app.example.test', () => {
    const inputs = readInputs({});
    assert.equal(inputs.endpoint, null);
    assert.equal(inputs.pageOrigin, 'https://app.example.test');
    assert.equal(inputs.realm.name, 'reference');
  });
  it('reads TARGET_URL with its policy, and API_KEY over the policy key', () => {
    const inputs = readInputs({
      TARGET_URL: 'https://api.example.com/pipeline/acme/v1/orders',
      CORS_POLICY: 'policies/digibee-cors-example.json',
      API_KEY: 'from-secret',
    });
    assert.equal(inputs.endpoint?.url.host, 'api.example.com');
    assert.deepEqual(inputs.endpoint?.credential, { header: 'apikey', value: 'from-secret' });
    assert.deepEqual(inputs.endpoint?.policy?.allowMethods, ['GET']);
  });
  it('takes TARGET_URL alone as discovery (no policy, no contract), and refuses CORS_POLICY alone', () => {
    const inputs = readInputs({ TARGET_URL: 'https://api.example.com/x', API_KEY: 'k-1' });
    assert.equal(inputs.endpoint?.policy, null);
    assert.deepEqual(inputs.endpoint?.credential, { header: 'apikey', value: 'k-1' });
    assert.equal(inputs.catalogue.scenarios.filter((s) => s.area === 'contract').length, 0);
    assert.match(
      problems({ CORS_POLICY: 'p.json' })[0] ?? '',
      /^environment: CORS_POLICY: is set but TARGET_URL is not/,
    );
  });
  it('refuses a TARGET_URL that is not http(s) or is same-origin with the page', () => {
    assert.match(
      problems({ TARGET_URL: 'ftp://x.example/', CORS_POLICY: 'policies/digibee-cors-example.json' })[0] ??
        '',
      /is not http or https/,
    );
    assert.match(
      problems({
        TARGET_URL: 'https://app.example.test/api',
        CORS_POLICY: 'policies/digibee-cors-example.json',
      })[0] ?? '',
      /same-origin request, CORS does not apply/,
    );
  });
  it('refuses a PAGE_ORIGIN with a path', () => {
    assert.match(
      problems({ PAGE_ORIGIN: 'https://app.example.test/' })[0] ?? '',
      /^environment: PAGE_ORIGIN: .* is not an http\(s\) origin/,
    );
  });
  it('names the policy file and field of a bad policy', () => {
    const found = problems({ TARGET_URL: 'https://api.example.com/x', CORS_POLICY: 'package.json' });
    assert.ok(found.length > 0);
    assert.ok(
      found.every((p) => p.includes('package.json: ')),
      found.join('\n'),
    );
    assert.ok(
      found.some((p) => p.includes(': methods: ')),
      found.join('\n'),
    );
  });
});
