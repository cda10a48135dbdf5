import type { AddressInfo } from 'node:net';
// Playwright's test without its browser fixtures: the engines here are driven by this suite (src/engines),
// and @playwright/test's `test` would set up and tear down its page, context and trace fixtures around
// every test, two of them automatic, each a step whose stack is captured and source-mapped.
import { _baseTest as base, chromium, firefox, webkit } from '@playwright/test';
import { buildServer } from '../server/build-server.ts';
import type { RequestLog } from '../server/request-log.ts';
import { launchEngine } from '../src/engines/launch.ts';
import { type EnginePages, pagesThrough } from '../src/engines/pages.ts';
import type { Backend, Engine } from '../src/engines/session.ts';
import { type Inputs, loadInputs } from '../src/input/inputs.ts';
import { RunAhead, readSelection, selectionKey } from '../src/run/run-ahead.ts';
import { createTarget, type Target } from '../src/run/target.ts';
import { proxyOptionsOf } from '../src/wire/proxy-options.ts';
import { loadMockttp, type RecordingProxy, startRecordingProxy } from '../src/wire/recording-proxy.ts';

export interface WorkerFixtures {
  /** How this project's engine is driven; playwright.config.ts picks it per project at run time. */
  backend: Backend;
  /** Whether Chromium and Firefox run without a window (`--headed` turns it off). */
  headless: boolean;
  /** One launched engine per worker. */
  engine: Engine;
  inputs: Inputs;
  /** The reference realm's server, listening on localhost in this worker (reference mode only). */
  referenceServer: { url: string; log: RequestLog } | null;
  /** The recording proxy: serves the test page at every page origin, passes the target through, records the wire. */
  recorder: RecordingProxy;
  target: Target;
  pages: EnginePages;
  /** Runs scenarios ahead of their tests, several at once in one page (src/run/run-ahead.ts). */
  runAhead: RunAhead;
}

export const test = base.extend<object, WorkerFixtures>({
  backend: [
    { kind: 'unavailable', engine: 'chromium', install: 'no backend configured' },
    { option: true, scope: 'worker' },
  ],

  // `npx playwright test --headed` sets it, as for Playwright's own browsers.
  headless: [true, { option: true, scope: 'worker' }],

  engine: [
    async ({ backend, headless }, use) => {
      if (backend.kind === 'unavailable') throw new Error(`No usable engine. ${backend.install}`);
      // The recording proxy's library loads while the engine launches (most of which is waiting).
      loadMockttp().catch(() => {});
      const engine = await launchEngine(backend, { headless, fallback: { chromium, firefox, webkit } });
      try {
        await use(engine);
      } finally {
        await engine.close();
      }
    },
    { scope: 'worker', timeout: 90_000, title: 'launch engine' },
  ],

  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern.
  inputs: [async ({}, use) => use(loadInputs()), { scope: 'worker' }],

  referenceServer: [
    async ({ inputs }, use) => {
      if (inputs.endpoints.length > 0) return use(null);
      const app = buildServer(inputs.realm);
      await app.listen({ host: 'localhost', port: 0 });
      try {
        await use({
          url: `http://localhost:${(app.server.address() as AddressInfo).port}`,
          log: app.requestLog,
        });
      } finally {
        await app.close();
      }
    },
    { scope: 'worker', title: 'reference server' },
  ],

  recorder: [
    async ({ inputs, referenceServer }, use) => {
      const proxy = await startRecordingProxy(
        proxyOptionsOf(inputs, referenceServer ? new URL(referenceServer.url).host : null),
      );
      try {
        await use(proxy);
      } finally {
        await proxy.close();
      }
    },
    { scope: 'worker', title: 'recording proxy' },
  ],

  target: [async ({ inputs }, use) => use(createTarget(inputs)), { scope: 'worker' }],

  pages: [
    async ({ engine, recorder }, use) => {
      const pages = pagesThrough(engine, recorder.server);
      await use(pages);
      await pages.closeAll();
    },
    { scope: 'worker', timeout: 60_000, title: 'test pages' },
  ],

  runAhead: [
    async ({ engine, pages, recorder }, use, workerInfo) => {
      const selection = readSelection();
      const project = workerInfo.project.name;
      const runAhead = new RunAhead(
        engine,
        pages,
        recorder.wire,
        selection &&
          ((chunk, index) =>
            selection.has(selectionKey(project, chunk.titles, chunk.scenarios[index]?.id ?? ''))),
      );
      await use(runAhead);
      // Before the pages close: nothing reopened, nothing left running under them.
      await runAhead.close();
    },
    { scope: 'worker' },
  ],
});

export { expect } from '@playwright/test';
