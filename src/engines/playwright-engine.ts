import { createRequire } from 'node:module';
import type { Browser, BrowserType, LaunchOptions } from '@playwright/test';
import {
  type Engine,
  type EngineName,
  type EnginePage,
  type FetchOutcome,
  MessageBuffer,
  type PageNetwork,
  type UsableBackend,
} from './session.ts';

declare global {
  interface Window {
    ccFetch(spec: import('./session.ts').FetchSpec): Promise<FetchOutcome>;
    ccFetchAll(specs: Array<import('./session.ts').FetchSpec>): Promise<FetchOutcome[]>;
  }
}

type BrowserTypes = Record<EngineName, BrowserType>;
let own: BrowserTypes | null | undefined;

/**
 * A Playwright instance of the suite's own, apart from the test runner's.
 *
 * Around every test, the runner's artifacts recorder starts and stops tracing on every browser context
 * of its Playwright instance: four API calls per context, each capturing and source-mapping a stack
 * trace. With a context per page origin that was most of a worker's time in a realm-sized run. Engines
 * launched from an instance of their own are not seen by it: no trace or failure screenshot of the test
 * page (they would show nothing about CORS; the evidence is the wire and the engine's messages).
 * playwright-core exports the factory from `lib/coreBundle` (Playwright is pinned, BROWSERS.md); where
 * it is missing, the runner's instance is used and the run is slower, said once on stderr.
 */
export function ownBrowserTypes(): BrowserTypes | null {
  if (own !== undefined) return own;
  try {
    const bundle = createRequire(import.meta.url)('playwright-core/lib/coreBundle') as {
      inprocess?: { createInProcessPlaywright?: () => BrowserTypes };
    };
    own = bundle.inprocess?.createInProcessPlaywright?.() ?? null;
  } catch {
    own = null;
  }
  if (!own)
    process.stderr.write(
      "cors-conformance: playwright-core has no createInProcessPlaywright: engines share the test runner's Playwright instance (slower: it traces every context around every test)\n",
    );
  return own;
}

/** Chromium and Firefox (and Playwright's WebKit) through Playwright: one browser, one context per page origin. */
export class PlaywrightEngine implements Engine {
  /** Closing the browser closes its contexts. */
  readonly pagesCloseWithIt = true;

  private constructor(
    readonly name: EngineName,
    readonly backend: UsableBackend,
    private readonly browser: Browser,
  ) {}

  get version(): string {
    return this.browser.version();
  }

  static async launch(
    name: EngineName,
    backend: UsableBackend,
    browserType: BrowserType,
    options: LaunchOptions,
  ): Promise<PlaywrightEngine> {
    return new PlaywrightEngine(name, backend, await browserType.launch(options));
  }

  async openPage(origin: string, network: PageNetwork): Promise<EnginePage> {
    // A fresh context: no cookies, no cache, no preflight cache from anything before it. The proxy is
    // set per context (Firefox over BiDi does not carry https through a launch-level proxy); its
    // certificates are its own, hence ignoreHTTPSErrors (a TLS setting, no bearing on CORS).
    const context = await this.browser.newContext({
      proxy: { server: network.proxyServer },
      ignoreHTTPSErrors: true,
    });
    const page = await context.newPage();
    const messages = new MessageBuffer();
    // Chromium reports CORS refusals as console errors, Firefox (BiDi) as page errors; both name the URL.
    page.on('console', (m) => messages.push({ source: 'console', text: `${m.type()}: ${m.text()}` }));
    page.on('pageerror', (e) => messages.push({ source: 'pageerror', text: `${e.name}: ${e.message}` }));
    page.on('requestfailed', (r) =>
      messages.push({ source: 'requestfailed', text: `${r.failure()?.errorText ?? 'failed'} ${r.url()}` }),
    );
    await page.goto(`${origin}/`);
    return {
      // What the page itself says: `null` for a sandboxed page.
      origin: await page.evaluate(() => self.origin),
      reportsCorsMessages: true,
      fetch: (spec) => page.evaluate((s) => window.ccFetch(s), spec),
      fetchAll: (specs) => page.evaluate((s) => window.ccFetchAll(s), specs),
      takeMessages: (token, options) => messages.take(token, options),
      close: () => context.close(),
    };
  }

  async close(): Promise<void> {
    await this.browser.close();
  }
}
