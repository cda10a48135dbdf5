import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, firefox, webkit } from '@playwright/test';
import { InputError } from '../input/data-file.ts';
import type { Backend, EngineName } from './session.ts';

/**
 * Which backend drives each engine on this machine, decided at run time (BROWSERS.md):
 * Playwright's own browser when installed, else the Debian system engine, else "unavailable" with the
 * one line that says what to install. ENGINE_BACKEND=playwright|system forces one kind.
 */

const SYSTEM = {
  chromium: '/usr/bin/chromium',
  firefox: '/usr/bin/firefox-esr',
  webkitDriver: '/usr/bin/WebKitWebDriver',
  miniBrowser: '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
  xvfb: '/usr/bin/Xvfb',
  python: '/usr/bin/python3',
};

/** Our WebKitGTK host: same engine as MiniBrowser, with console messages and an HTTP cache. */
const WEBKITGTK_HOST = fileURLToPath(new URL('./webkitgtk-host.py', import.meta.url));

/** Whether the WebKitGTK host can run: Debian's python3-gi and gir1.2-webkit2-4.1. */
function webkitGtkHostUsable(): boolean {
  const known = process.env[WEBKITGTK_HOST_PROBED];
  if (known === 'yes' || known === 'no') return known === 'yes';
  if (!existsSync(SYSTEM.python)) return false;
  const probe =
    "import gi; gi.require_version('Gtk', '3.0'); gi.require_version('WebKit2', '4.1'); from gi.repository import WebKit2";
  return spawnSync(SYSTEM.python, ['-c', probe], { timeout: 10_000 }).status === 0;
}

/**
 * Whether our WebKitGTK host can run (`yes` or `no`), as a run's main process found it: it tells its
 * workers (playwright.config.ts), which would each spend 0.1 s on a Python process to learn it again.
 */
export const WEBKITGTK_HOST_PROBED = 'CORS_CONFORMANCE_WEBKITGTK_HOST';

/** What the WebKitGTK host (webkitgtk-host.py) needs besides WebKitGTK itself. */
export const WEBKITGTK_HOST_PACKAGES = ['python3-gi', 'gir1.2-webkit2-4.1'];

/** The Debian packages that provide each system engine (what npm run setup installs). */
export const DEBIAN_PACKAGES: Record<EngineName, string[]> = {
  chromium: ['chromium'],
  firefox: ['firefox-esr'],
  webkit: ['webkit2gtk-driver', 'xvfb', 'xauth', ...WEBKITGTK_HOST_PACKAGES],
};

const INSTALL: Record<EngineName, string> = {
  chromium: 'npx playwright install chromium, or apt-get install chromium',
  firefox: 'npx playwright install firefox, or apt-get install firefox-esr',
  webkit: 'npx playwright install webkit, or apt-get install webkit2gtk-driver xvfb xauth',
};

export type BackendPreference = 'auto' | 'playwright' | 'system';

function playwrightExecutable(engine: EngineName): string | null {
  try {
    const path = { chromium, firefox, webkit }[engine].executablePath();
    return existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

function systemBackend(engine: EngineName): Backend | null {
  switch (engine) {
    case 'chromium':
      return existsSync(SYSTEM.chromium)
        ? { kind: 'system-chromium', engine, executable: SYSTEM.chromium }
        : null;
    case 'firefox':
      return existsSync(SYSTEM.firefox)
        ? { kind: 'system-firefox-bidi', engine, executable: SYSTEM.firefox }
        : null;
    case 'webkit':
      // WebKitGTK has no headless mode: it needs $DISPLAY or an Xvfb the suite starts.
      return existsSync(SYSTEM.webkitDriver) &&
        existsSync(SYSTEM.miniBrowser) &&
        (process.env.DISPLAY || existsSync(SYSTEM.xvfb))
        ? webkitGtkHostUsable()
          ? {
              kind: 'webkitgtk-webdriver',
              engine,
              driver: SYSTEM.webkitDriver,
              browser: WEBKITGTK_HOST,
              consoleMessages: true,
            }
          : {
              kind: 'webkitgtk-webdriver',
              engine,
              driver: SYSTEM.webkitDriver,
              browser: SYSTEM.miniBrowser,
              consoleMessages: false,
            }
        : null;
  }
}

export function resolveBackend(engine: EngineName, preference: BackendPreference = 'auto'): Backend {
  const managed = preference === 'system' ? null : playwrightExecutable(engine);
  if (managed) return { kind: 'playwright', engine, executable: managed };
  const system = preference === 'playwright' ? null : systemBackend(engine);
  if (system) return system;
  const which =
    preference === 'auto' ? "neither Playwright's browser nor the system one" : `no ${preference} browser`;
  return {
    kind: 'unavailable',
    engine,
    install: `${engine}: ${which} is installed; run ${INSTALL[engine]} (or npm run setup)`,
  };
}

export function backendPreference(value: string | undefined): BackendPreference {
  if (value === undefined || value === '' || value === 'auto') return 'auto';
  if (value === 'playwright' || value === 'system') return value;
  throw new InputError([
    {
      file: 'environment',
      field: 'ENGINE_BACKEND',
      message: `is "${value}"; expected auto, playwright or system`,
    },
  ]);
}

/** Playwright launch settings for the backends Playwright drives. */
export function launchSettings(backend: Backend): {
  channel?: string;
  executablePath?: string;
  args?: string[];
  firefoxUserPrefs?: Record<string, boolean>;
} {
  // Firefox sends loopback traffic (a TARGET_URL on localhost) to the proxy only with this pref.
  const firefoxUserPrefs = { 'network.proxy.allow_hijacking_localhost': true };
  switch (backend.kind) {
    case 'system-chromium':
      return {
        executablePath: backend.executable,
        // Debian Chromium as root, on a closed network: no sandbox, no GPU, no background traffic.
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
        ],
      };
    case 'system-firefox-bidi':
      // Firefox ESR over WebDriver BiDi: the moz- channel selects BiDi; the path avoids the snap lookup.
      return { channel: 'moz-firefox', executablePath: backend.executable, firefoxUserPrefs };
    case 'playwright':
      return backend.engine === 'firefox' ? { firefoxUserPrefs } : {};
    default:
      return {};
  }
}

export function describeBackend(backend: Backend): string {
  switch (backend.kind) {
    case 'playwright':
      return `Playwright's ${backend.engine} (${backend.executable})`;
    case 'system-chromium':
      return `Debian Chromium (${backend.executable})`;
    case 'system-firefox-bidi':
      return `Debian Firefox ESR over WebDriver BiDi (${backend.executable})`;
    case 'webkitgtk-webdriver':
      return `WebKitGTK over WebKitWebDriver (${backend.consoleMessages ? 'our host, src/engines/webkitgtk-host.py' : `${backend.browser}, without engine messages or HTTP cache`})`;
    case 'unavailable':
      return `unavailable: ${backend.install}`;
  }
}
