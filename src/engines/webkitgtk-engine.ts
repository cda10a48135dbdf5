import type { ChildProcess } from 'node:child_process';
import type { WebDriver } from 'selenium-webdriver';
import { freePort, killGroup, onLines, spawnGroup, withTimeout } from './processes.ts';
import {
  type Engine,
  type EnginePage,
  type FetchOutcome,
  type FetchSpec,
  MessageBuffer,
  type PageNetwork,
  type UsableBackend,
} from './session.ts';
import { ensureDisplay, type XDisplay } from './xvfb.ts';

type WebKitGtkBackend = Extract<UsableBackend, { kind: 'webkitgtk-webdriver' }>;

/** Bounds for WebDriver calls: without a display, POST /session would hang forever. */
const SESSION_TIMEOUT_MS = 30_000;
const NAVIGATION_TIMEOUT_MS = 15_000;
/** Sessions started for one page before its failure is the test's. */
const SESSION_ATTEMPTS = 3;

// The same in-page function as every other engine; WebDriver hands us `done` as the last argument.
const RUN_FETCH = `const [spec, done] = arguments;
window.ccFetch(spec).then(done, (e) => done({ kind: 'rejected', name: 'HarnessError', message: String(e), ms: 0 }));`;

const RUN_FETCH_ALL = `const [specs, done] = arguments;
window.ccFetchAll(specs).then(done, (e) => done(specs.map(() => ({ kind: 'rejected', name: 'HarnessError', message: String(e), ms: 0 }))));`;

/**
 * WebKitGTK through WebKitWebDriver (classic W3C WebDriver; Playwright cannot drive a stock WebKit).
 * One driver process per session, spawned in its own process group and killed with it.
 */
export class WebKitGtkEngine implements Engine {
  readonly name = 'webkit' as const;
  /** Each page is a WebDriver session with a driver process of its own. */
  readonly pagesCloseWithIt = false;
  version = 'unknown';

  private constructor(
    readonly backend: WebKitGtkBackend,
    private readonly display: XDisplay,
  ) {}

  static async launch(backend: WebKitGtkBackend): Promise<WebKitGtkEngine> {
    return new WebKitGtkEngine(backend, await ensureDisplay());
  }

  /**
   * A WebDriver session on the test page. A session that fails to start (WebKitWebDriver refusing its
   * port or exiting, seen about once in thousands of sessions) is a harness failure, not a verdict:
   * another is started, and the failure is said on stderr.
   */
  async openPage(origin: string, network: PageNetwork): Promise<EnginePage> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.openPageOnce(origin, network);
      } catch (error) {
        if (attempt >= SESSION_ATTEMPTS) throw error;
        process.stderr.write(
          `cors-conformance: WebKitGTK session for ${origin} failed to start (${(error as Error).message.split('\n')[0]}); starting another (attempt ${attempt + 1} of ${SESSION_ATTEMPTS})\n`,
        );
      }
    }
  }

  private async openPageOnce(origin: string, network: PageNetwork): Promise<EnginePage> {
    const messages = new MessageBuffer();
    const { driver, process } = await this.startSession(messages, network);
    let pageOrigin: string;
    try {
      await withTimeout(driver.get(`${origin}/`), NAVIGATION_TIMEOUT_MS, `WebKitGTK navigating to ${origin}`);
      // What the page itself says: `null` for a sandboxed page.
      pageOrigin = String(
        await withTimeout(driver.executeScript('return self.origin'), 5_000, 'WebKitGTK self.origin'),
      );
    } catch (error) {
      await this.stopSession(driver, process);
      throw error;
    }
    return {
      origin: pageOrigin,
      // MiniBrowser under automation browses privately, and WebKit writes no console lines then;
      // our host (webkitgtk-host.py) writes them.
      reportsCorsMessages: this.backend.consoleMessages,
      fetch: (spec: FetchSpec) =>
        withTimeout(
          driver.executeAsyncScript(RUN_FETCH, spec) as Promise<FetchOutcome>,
          spec.timeoutMs + 5_000,
          'WebKitGTK executeAsyncScript',
        ),
      // Classic WebDriver runs one script at a time per session: concurrent fetches go in one script.
      fetchAll: (specs: FetchSpec[]) =>
        withTimeout(
          driver.executeAsyncScript(RUN_FETCH_ALL, specs) as Promise<FetchOutcome[]>,
          Math.max(0, ...specs.map((s) => s.timeoutMs)) + 5_000,
          'WebKitGTK executeAsyncScript',
        ),
      takeMessages: (token, options) => messages.take(token, options),
      close: () => this.stopSession(driver, process),
    };
  }

  private async startSession(
    messages: MessageBuffer,
    network: PageNetwork,
  ): Promise<{ driver: WebDriver; process: ChildProcess }> {
    const port = await freePort();
    const driverProcess = spawnGroup(this.backend.driver, [`--port=${port}`], {
      ...process.env,
      DISPLAY: this.display.display,
    });
    // A browser that writes console messages (WebKit's "CONSOLE ... ERROR" lines) does so through the
    // driver's stdio; WebKit puts the reason on one line and the URL on the next: join them.
    let reason: string | null = null;
    const line = (text: string) => {
      if (/^CONSOLE \w+ ERROR/.test(text) && !/cannot load/.test(text)) {
        reason = text;
        return;
      }
      messages.push({ source: 'engine-log', text: reason ? `${reason} ${text}` : text });
      reason = null;
    };
    onLines(driverProcess.stdout, line);
    onLines(driverProcess.stderr, line);
    const exited = new Promise<never>((_, reject) => {
      driverProcess.once('error', (e) =>
        reject(new Error(`cannot start ${this.backend.driver}: ${e.message}`)),
      );
      driverProcess.once('exit', (code) =>
        reject(new Error(`${this.backend.driver} exited with code ${code}`)),
      );
    });
    exited.catch(() => {});
    try {
      // Only once the driver listens: building a driver sends POST /session at once, and selenium retries
      // a refused connection three times 15 ms apart, less than a loaded machine takes to start the driver.
      await Promise.race([waitForDriver(port), exited]);
      // Loaded here, not with this module: the runner's main process and Chromium's and Firefox's
      // workers load it without starting a session.
      const { Builder } = await import('selenium-webdriver');
      const driver = new Builder()
        .usingServer(`http://127.0.0.1:${port}`)
        .withCapabilities({
          browserName: 'MiniBrowser',
          // The proxy goes to MiniBrowser itself: the W3C `proxy` capability's sslProxy makes WebKitGTK
          // speak TLS *to the proxy* (so https page origins failed), and it overrides --proxy.
          'webkitgtk:browserOptions': {
            binary: this.backend.browser,
            args: ['--automation', `--proxy=${network.proxyServer}`],
          },
          // The recording proxy presents its own certificates for https page origins and targets.
          acceptInsecureCerts: true,
        })
        .build();
      const session = await withTimeout(
        Promise.race([driver.getSession(), exited]),
        SESSION_TIMEOUT_MS,
        `WebKitGTK session (display ${this.display.display})`,
      );
      this.version = String(session.getCapabilities().get('browserVersion') ?? this.version);
      await withTimeout(
        driver.manage().setTimeouts({ script: 60_000, pageLoad: NAVIGATION_TIMEOUT_MS }),
        5_000,
        'setTimeouts',
      );
      return { driver, process: driverProcess };
    } catch (error) {
      killGroup(driverProcess.pid);
      throw error;
    }
  }

  private async stopSession(driver: WebDriver, driverProcess: ChildProcess): Promise<void> {
    await withTimeout(driver.quit(), 5_000, 'WebKitGTK quit').catch(() => {});
    // SIGTERM first: the browser host removes its throw-away profile on its way out.
    killGroup(driverProcess.pid, 'SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    killGroup(driverProcess.pid);
  }

  async close(): Promise<void> {
    this.display.close();
  }
}

/** WebKitWebDriver answers /status once it listens. */
async function waitForDriver(port: number): Promise<void> {
  for (let attempt = 0; attempt < 400; attempt++) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/status`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`WebKitWebDriver did not listen on port ${port} within 10 s`);
}
