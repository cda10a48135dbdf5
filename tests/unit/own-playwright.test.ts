import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chromium } from '@playwright/test';
import { ownBrowserTypes } from '../../src/engines/playwright-engine.ts';

describe("the suite's own Playwright instance (src/engines/playwright-engine.ts)", () => {
  it('exists in the pinned playwright-core, apart from the test runner instance', () => {
    const own = ownBrowserTypes();
    assert.ok(own, 'playwright-core/lib/coreBundle no longer exports inprocess.createInProcessPlaywright');
    for (const name of ['chromium', 'firefox', 'webkit'] as const)
      assert.equal(typeof own[name].launch, 'function');
    // Another instance: the runner's artifacts recorder does not see its contexts.
    assert.notEqual(own.chromium, chromium);
    assert.equal(ownBrowserTypes(), own, 'one per process');
  });
});
