import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { stripVTControlCharacters } from 'node:util';
import {
  type BackendPreference,
  DEBIAN_PACKAGES,
  describeBackend,
  resolveBackend,
  WEBKITGTK_HOST_PACKAGES,
} from './backends.ts';
import { ENGINES, type EngineName } from './session.ts';

/**
 * Makes every engine usable (`cors-conformance setup`, `npm run setup`): Playwright's browsers where
 * downloads work (ordinary CI), else Debian's packages (locked-down hosts, where Playwright's download
 * fails within seconds). One line per step; the tools' own output only when a step fails, and then its
 * telling line, not its stack traces. A setup already done says so in one line.
 */

/** Debian packages the acceptance tests start as real CORS servers, each with the file that says it is there. */
const ACCEPTANCE_DEBIAN_PACKAGES: ReadonlyArray<{ name: string; installs: string }> = [
  { name: 'nginx', installs: '/usr/sbin/nginx' },
  { name: 'python3-flask-cors', installs: '/usr/lib/python3/dist-packages/flask_cors/__init__.py' },
];

type Say = (line: string) => void;

/**
 * What a failed command said that matters: the network's or the system's own error (a refused
 * connection, an unknown host) before any wrapping message, else its first error line, else its last line.
 */
export function tellingLine(output: string): string {
  const lines = output
    .split('\n')
    .map((l) =>
      stripVTControlCharacters(l)
        .replace(/\s*\{$/, '')
        .trim(),
    )
    .filter(Boolean);
  return (
    lines.find((l) => /^Error: .*\b(E[A-Z]{4,}|getaddrinfo|certificate)\b/.test(l)) ??
    lines.find((l) => /^(Error|E):/.test(l)) ??
    lines.at(-1) ??
    'no output'
  );
}

/** Runs a step quietly: one line saying what and how it ended. */
function step(say: Say, what: string, command: string, args: string[], timeoutMs: number): boolean {
  const started = Date.now();
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: timeoutMs });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status === 0) {
    say(`${what}: done in ${seconds} s`);
    return true;
  }
  const why = result.error
    ? result.error.message
    : tellingLine(`${result.stdout ?? ''}\n${result.stderr ?? ''}`);
  say(`${what}: failed after ${seconds} s (${why})`);
  return false;
}

/** The Playwright CLI of the @playwright/test this package runs with (not whatever `npx` finds). */
const playwrightCli = (): string => createRequire(import.meta.url).resolve('@playwright/test/cli');

export interface SetupOptions {
  preference: BackendPreference;
  /** Also the Debian packages this project's acceptance tests start (nginx, Flask-CORS). */
  acceptance?: boolean;
  say?: Say;
}

/** Sets the engines up; true when every engine is usable. */
export function setup({ preference, acceptance = false, say = console.log }: SetupOptions): boolean {
  const missing = (): EngineName[] =>
    ENGINES.filter((e) => resolveBackend(e, preference).kind === 'unavailable');
  const acceptanceMissing = () =>
    acceptance ? ACCEPTANCE_DEBIAN_PACKAGES.filter((p) => !existsSync(p.installs)) : [];
  const webkitHostMissing = () => {
    const webkit = resolveBackend('webkit', preference);
    return webkit.kind === 'webkitgtk-webdriver' && !webkit.consoleMessages;
  };
  const isRoot = process.getuid?.() === 0;
  /** apt-get as root: directly when we are root, else through non-interactive sudo. */
  const aptGet = (what: string, ...args: string[]) => {
    const command = ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', ...args];
    const [program = 'env', ...rest] = isRoot ? command : ['sudo', '-n', ...command];
    return step(say, what, program, rest, 10 * 60_000);
  };
  const ready = () =>
    ENGINES.map((e) => `${e}: ${describeBackend(resolveBackend(e, preference))}`).join('; ');

  let needed = missing();
  if (needed.length === 0 && acceptanceMissing().length === 0 && !webkitHostMissing()) {
    say(`cors-conformance setup: already done, nothing to install (${ready()})`);
    return true;
  }
  if (needed.length > 0 && preference !== 'system') {
    // Download first (it fails within seconds where downloads are blocked), system libraries after.
    const cli = playwrightCli();
    if (
      step(
        say,
        `Playwright's browsers (${needed.join(', ')})`,
        process.execPath,
        [cli, 'install', ...needed],
        10 * 60_000,
      )
    ) {
      // Through sudo the PATH is reset; node is named by its path.
      const deps = [process.execPath, cli, 'install-deps', ...needed];
      const [program = process.execPath, ...rest] = isRoot ? deps : ['sudo', '-n', ...deps];
      step(say, `their system libraries`, program, rest, 10 * 60_000);
    } else if (preference !== 'playwright') {
      say("Playwright's browsers cannot be downloaded here; Debian's packages instead");
    }
    needed = missing();
  }
  if (needed.length > 0 && preference !== 'playwright') {
    const packages = [...new Set(needed.flatMap((e) => DEBIAN_PACKAGES[e]))];
    aptGet('apt-get update', 'update', '-qq');
    aptGet(`Debian packages (${packages.join(' ')})`, 'install', '-y', '-qq', ...packages);
    needed = missing();
  }
  if (acceptanceMissing().length > 0) {
    const packages = acceptanceMissing().map((p) => p.name);
    aptGet('apt-get update', 'update', '-qq');
    aptGet(
      `Debian packages for the acceptance tests (${packages.join(' ')})`,
      'install',
      '-y',
      '-qq',
      ...packages,
    );
    for (const p of acceptanceMissing())
      say(`cors-conformance: ${p.name} did not install (no ${p.installs}); the acceptance tests need it`);
  }
  if (webkitHostMissing()) {
    aptGet(
      `WebKitGTK's console messages and HTTP cache (${WEBKITGTK_HOST_PACKAGES.join(' ')})`,
      'install',
      '-y',
      '-qq',
      ...WEBKITGTK_HOST_PACKAGES,
    );
  }
  for (const engine of ENGINES)
    say(`${engine.padEnd(9)} ${describeBackend(resolveBackend(engine, preference))}`);
  if (needed.length > 0) {
    say(`cors-conformance: no usable engine for ${needed.join(', ')}; see the lines above`);
    return false;
  }
  return true;
}
