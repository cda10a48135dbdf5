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

/** Chromium and Firefox (and Playwright's WebKit) through Playwright: one browser, one context per page origin. */
export class PlaywrightEngine implements Engine {
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
