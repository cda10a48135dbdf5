import type { AddressInfo } from 'node:net';
import { test as base } from '@playwright/test';
import { buildServer } from '../server/build-server.ts';
import { buildPageServer } from '../server/page-server.ts';
import { describeBackend, launchSettings } from './engines/backends.ts';
import { PlaywrightEngine } from './engines/playwright-engine.ts';
import type { Backend, Engine, EnginePage } from './engines/session.ts';
import { WebKitGtkEngine } from './engines/webkitgtk-engine.ts';
import { loadInputs } from './harness/inputs.ts';
import { ReferenceTarget, type Target } from './harness/target.ts';

export interface WorkerFixtures {
  /** How this project's engine is driven; playwright.config.ts picks it per project at run time. */
  backend: Backend;
  /** One launched engine per worker. */
  engine: Engine;
  /** What the scenarios run against: the reference realm served in this worker. */
  target: Target;
  /** The test page at the target's page origin, shared by the worker's scenarios (each uses its own URL). */
  enginePage: EnginePage;
}

const listenUrl = (app: { server: { address(): unknown } }) =>
  `http://localhost:${(app.server.address() as AddressInfo).port}`;

export const test = base.extend<object, WorkerFixtures>({
  backend: [
    { kind: 'unavailable', engine: 'chromium', install: 'no backend configured' },
    { option: true, scope: 'worker' },
  ],

  engine: [
    async ({ backend, playwright, headless }, use) => {
      if (backend.kind === 'unavailable') throw new Error(`No usable engine. ${backend.install}`);
      const engine =
        backend.kind === 'webkitgtk-webdriver'
          ? await WebKitGtkEngine.launch(backend)
          : await PlaywrightEngine.launch(backend.engine, backend, playwright[backend.engine], {
              headless,
              ...launchSettings(backend),
            });
      try {
        await use(engine);
      } finally {
        await engine.close();
      }
    },
    { scope: 'worker', timeout: 90_000, title: 'launch engine' },
  ],

  target: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern.
    async ({}, use) => {
      const { realm } = loadInputs();
      const app = buildServer(realm);
      const pages = buildPageServer();
      // Both on localhost, different ports: cross-origin, same-site; Firefox caches preflights to a
      // name (not to an IP literal), so Max-Age behaves as on a real host.
      await app.listen({ host: 'localhost', port: 0 });
      await pages.listen({ host: 'localhost', port: 0 });
      try {
        await use(new ReferenceTarget(realm, app.requestLog, listenUrl(app), listenUrl(pages)));
      } finally {
        await Promise.all([app.close(), pages.close()]);
      }
    },
    { scope: 'worker', title: 'reference server' },
  ],

  enginePage: [
    async ({ engine, target }, use) => {
      const page = await engine.openPage(target.pageOrigin);
      try {
        await use(page);
      } finally {
        await page.close();
      }
    },
    { scope: 'worker', timeout: 60_000, title: 'open test page' },
  ],
});

export { expect } from '@playwright/test';
export { describeBackend };
