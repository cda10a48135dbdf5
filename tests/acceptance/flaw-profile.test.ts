import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FAILURES_EXPECTED, runPlaywright } from './run-playwright.ts';

/**
 * A flawed realm profile through the user's command: `REALM_CONFIG=<profile> npx playwright test`
 * fails, and its messages name the flaw (tests/flaws.spec.ts proves every profile in every engine).
 */
const work = mkdtempSync(join(tmpdir(), 'flaw-profile-'));

describe('a realm profile with one flaw, run as a user runs the suite', { timeout: 20 * 60_000 }, () => {
  it('fails in every engine, naming origin reflection', async () => {
    const outcomes = await runPlaywright(
      work,
      { REALM_CONFIG: 'server/realms/flaws/origin-reflection.json' },
      ['--grep', 'misconfig/', ...FAILURES_EXPECTED],
    );
    assert.equal(outcomes.exitStatus, 1);
    const failed = outcomes.filter((o) => o.status !== 'passed');
    assert.deepEqual(new Set(failed.map((f) => f.project)), new Set(['chromium', 'firefox', 'webkit']));
    for (const f of failed) assert.match(f.message, /FLAW: /, `${f.project} ${f.title}`);
    assert.ok(failed.some((f) => f.message.includes('FLAW: origin reflection')));
    assert.ok(failed.some((f) => f.title === 'misconfig/arbitrary-origin-not-trusted'));
  });
});
