import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { backendPreference } from '../src/engines/backends.ts';
import { setup } from '../src/engines/setup.ts';
import { InputError } from '../src/input/data-file.ts';
import { readInputs } from '../src/input/inputs.ts';
import { buildAllureReport } from '../src/report/allure-report.ts';
import { INFERRED_POLICY } from '../src/report/discovery-report.ts';
import { ALLURE_RESULTS_DIR, REPORT_DIR } from '../src/report/global-setup.ts';
import { type Env, projects, targetOf, UsageError } from './usage.ts';

/**
 * `npx cors-conformance`: the suite from any project. Each subcommand takes flags or the environment
 * variables the suite reads (a flag wins). Exit codes: 0 every verdict as expected, 1 a verdict differs
 * (or the run failed), 2 bad input, said before any browser starts.
 */

/** The package's root: the repository in a clone (TypeScript), dist/ in the installed package. */
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const EXT = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
const CONFIG = join(ROOT, `playwright.config.${EXT}`);
const require = createRequire(import.meta.url);
const VERSION = (() => {
  for (const dir of [ROOT, join(ROOT, '..')]) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'cors-conformance') return pkg.version ?? '0.0.0';
    }
  }
  return '0.0.0';
})();

export const EXIT = { ok: 0, verdicts: 1, input: 2 } as const;

interface RunFlags {
  target?: string;
  policy?: string;
  targets?: string;
  engines?: string;
  pageOrigin?: string;
  shard?: string;
  html?: boolean;
  reportDir?: string;
}

/** The environment a run reads (src/input/inputs.ts), from the flags over the caller's environment. */
function runEnv(flags: RunFlags): Env {
  const env: Env = { ...process.env };
  const set = (name: string, value: string | undefined) => {
    if (value !== undefined) env[name] = value;
  };
  set('TARGET_URL', flags.target);
  set('CORS_POLICY', flags.policy);
  set('CORS_TARGETS', flags.targets);
  set('ENGINES', flags.engines);
  set('PAGE_ORIGIN', flags.pageOrigin);
  set('CORS_REPORT_DIR', flags.reportDir);
  if (flags.html) env.CORS_HTML_REPORT = '1';
  return env;
}

/**
 * Checks everything the run reads, here, before Playwright or any browser starts: the engines, one
 * endpoint or a targets file, every file and field (the same check the config makes).
 */
function checkInputs(env: Env): string[] {
  const engines = projects(env);
  const against = targetOf(env);
  readInputs(env);
  console.log(
    `cors-conformance: the run is against ${against}, in ${engines.length > 0 ? env.ENGINES : 'every engine'}`,
  );
  return engines;
}

/** `playwright test` with the package's config, in the caller's directory; its exit status. */
function playwrightTest(env: Env, args: string[]): number {
  const cli = require.resolve('@playwright/test/cli');
  const result = spawnSync(process.execPath, [cli, 'test', '--config', CONFIG, ...args], {
    stdio: 'inherit',
    env,
  });
  if (result.error) throw result.error;
  // Playwright exits 1 when a test failed; the config exits 2 on bad input. A signal: the run failed.
  return result.status ?? EXIT.verdicts;
}

/** `i/n` with 1 <= i <= n, as Playwright's --shard takes it. */
function shardOf(value: string): string {
  const m = /^(\d+)\/(\d+)$/.exec(value.trim());
  if (!m || Number(m[1]) < 1 || Number(m[1]) > Number(m[2]))
    throw new UsageError(`--shard is "${value}": give i/n, the part i (from 1 to n) of n, e.g. 2/3`);
  return `${Number(m[1])}/${Number(m[2])}`;
}

function run(flags: RunFlags, passThrough: string[]): number {
  const env = runEnv(flags);
  const engines = checkInputs(env);
  const shard = flags.shard ? [`--shard=${shardOf(flags.shard)}`] : [];
  const status = playwrightTest(env, [...engines, ...shard, ...passThrough]);
  const reports = env.CORS_REPORT_DIR || REPORT_DIR;
  console.log(
    `cors-conformance: reports in ${reports}/ (matrix.html, junit.xml${flags.html ? ', html/' : ''}) and ${ALLURE_RESULTS_DIR}/ (cors-conformance report builds the Allure report); exit ${status}`,
  );
  return status;
}

/** Files `init` writes, relative to the project. */
const INIT_FILES = {
  policy: 'cors-policy.json',
  targets: 'cors-targets.json',
  workflow: '.github/workflows/cors-conformance.yml',
};

/** A target's name from its URL: the last path segment, as the targets file allows names. */
function nameOf(url: URL): string {
  const last = url.pathname.split('/').filter(Boolean).at(-1) ?? url.hostname;
  const name = last
    .replace(/[^\w.-]/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 64);
  return name || 'api';
}

const WORKFLOW = (
  targets: string,
) => `# CORS conformance, nightly and on demand: real Chromium, Firefox and WebKit call each endpoint of
# ${targets} from a test page on another origin (written by \`npx cors-conformance init\`).
name: cors-conformance

on:
  schedule:
    - cron: "17 3 * * *"
  workflow_dispatch:

permissions:
  contents: read

jobs:
  cors:
    runs-on: ubuntu-24.04
    timeout-minutes: 60
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
          cache: npm
      - run: npm ci
      - run: npx cors-conformance setup
      - run: npx cors-conformance run --targets ${targets}
        env:
          API_KEY: \${{ secrets.API_KEY }}
      - uses: actions/upload-artifact@v4
        if: \${{ !cancelled() }}
        with:
          name: cors-conformance-reports
          path: |
            cors-report
            allure-results
          retention-days: 14
`;

function init(flags: { target?: string; pageOrigin?: string; engines?: string; force?: boolean }): number {
  if (!flags.target)
    throw new UsageError('init needs --target URL (or TARGET_URL): the endpoint to discover');
  const existing = Object.values(INIT_FILES).filter((f) => existsSync(f));
  if (existing.length > 0 && !flags.force)
    throw new UsageError(
      `init would overwrite ${existing.join(', ')}; move them, or pass --force to replace them`,
    );
  // discover checks the URL (exit 2 on a bad one) before anything runs.
  const status = discover({ target: flags.target, pageOrigin: flags.pageOrigin, engines: flags.engines });
  const url = new URL(flags.target);
  if (!existsSync(INFERRED_POLICY)) {
    console.error(
      `cors-conformance: discovery wrote no ${relative('.', INFERRED_POLICY)}; nothing was written`,
    );
    return status === EXIT.ok ? EXIT.verdicts : status;
  }
  copyFileSync(INFERRED_POLICY, INIT_FILES.policy);
  const target: Record<string, string> = {
    name: nameOf(url),
    url: url.href,
    policy: `./${INIT_FILES.policy}`,
  };
  if (flags.pageOrigin) target.pageOrigin = flags.pageOrigin;
  writeFileSync(INIT_FILES.targets, `${JSON.stringify({ targets: [target] }, null, 2)}\n`);
  mkdirSync(dirname(INIT_FILES.workflow), { recursive: true });
  writeFileSync(INIT_FILES.workflow, WORKFLOW(INIT_FILES.targets));
  console.log(
    [
      `cors-conformance init: wrote`,
      `  ${INIT_FILES.policy}   the policy discovery inferred: review it, it is what the endpoint does, not what you meant`,
      `  ${INIT_FILES.targets}  one target, ${url.href}, with that policy: add your other endpoints`,
      `  ${INIT_FILES.workflow}  a nightly run of the targets file`,
      `Then: npx cors-conformance run --targets ${INIT_FILES.targets}`,
    ].join('\n'),
  );
  return status;
}

function discover(flags: { target?: string; pageOrigin?: string; engines?: string }): number {
  if (!flags.target) throw new UsageError('discover needs --target URL (or TARGET_URL)');
  const env = runEnv({ target: flags.target, pageOrigin: flags.pageOrigin, engines: flags.engines });
  if (env.CORS_POLICY || env.CORS_TARGETS)
    throw new UsageError('discover takes a URL alone: unset CORS_POLICY and CORS_TARGETS (or use run)');
  const engines = checkInputs(env);
  return playwrightTest(env, [...engines, 'discovery.spec']);
}

export function program(): Command {
  const cli = new Command('cors-conformance')
    .description(
      'CORS conformance in real Chromium, Firefox and WebKit: whether a web page may call your API, and why not.',
    )
    .version(VERSION)
    .showHelpAfterError('(cors-conformance <command> --help for usage)')
    .addHelpText(
      'after',
      '\nExit codes: 0 every verdict as expected, 1 a verdict differs (or the run failed), 2 bad input (nothing run).',
    );
  const engines = () =>
    new Option('--engines <list>', 'engines, comma-separated: chromium,firefox,webkit').env('ENGINES');
  const pageOrigin = () =>
    new Option('--page-origin <origin>', "the test page's origin (default https://app.example.test)").env(
      'PAGE_ORIGIN',
    );
  const target = () => new Option('--target <url>', 'the endpoint').env('TARGET_URL');

  cli
    .command('run')
    .description(
      'run the conformance suite: against the bundled reference server (no target), one endpoint with its policy, or a targets file',
    )
    .addOption(target())
    .addOption(new Option('--policy <file>', 'the policy of --target (absent: discovery)').env('CORS_POLICY'))
    .addOption(
      new Option('--targets <file>', 'a targets file: several endpoints, each with its policy').env(
        'CORS_TARGETS',
      ),
    )
    .addOption(engines())
    .addOption(pageOrigin())
    .addOption(new Option('--shard <i/n>', "run the i-th of n parts (Playwright's --shard)"))
    .addOption(
      new Option('--html', "also Playwright's HTML report, in <report-dir>/html").env('CORS_HTML_REPORT'),
    )
    .addOption(
      new Option('--report-dir <dir>', 'where matrix.html and junit.xml go')
        .env('CORS_REPORT_DIR')
        .default('cors-report'),
    )
    .argument('[playwright-args...]', 'passed to playwright test, after --: -- --grep digibee/ --workers 2')
    .action((passThrough: string[], flags: RunFlags) => {
      process.exitCode = run(flags, passThrough);
    });

  cli
    .command('discover')
    .description('what an endpoint allows, from a URL alone: writes cors-discovery/policy.json')
    .addOption(target())
    .addOption(engines())
    .addOption(pageOrigin())
    .action((flags: { target?: string; pageOrigin?: string; engines?: string }) => {
      process.exitCode = discover(flags);
    });

  cli
    .command('init')
    .description(
      `discover an endpoint, then write ${INIT_FILES.policy}, ${INIT_FILES.targets} and ${INIT_FILES.workflow}`,
    )
    .addOption(target())
    .addOption(engines())
    .addOption(pageOrigin())
    .option('--force', 'replace those files where they exist')
    .action((flags: { target?: string; pageOrigin?: string; engines?: string; force?: boolean }) => {
      process.exitCode = init(flags);
    });

  cli
    .command('reference-server')
    .description('serve the bundled reference realm (Digibee-modelled triggers) and the test page')
    .addOption(new Option('--port <port>', 'the triggers').env('PORT').default('8080'))
    .addOption(new Option('--page-port <port>', 'the test page').env('PAGE_PORT').default('8081'))
    .addOption(new Option('--realm <file>', 'another realm file').env('REALM_CONFIG'))
    .action(async (flags: { port: string; pagePort: string; realm?: string }) => {
      const { serveReference } = await import('../server/serve.ts');
      const port = (value: string, flag: string) => {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 0 || n > 65535)
          throw new UsageError(`${flag} is "${value}": a port is a whole number from 0 to 65535`);
        return n;
      };
      await serveReference({
        port: port(flags.port, '--port'),
        pagePort: port(flags.pagePort, '--page-port'),
        realmFile: flags.realm ? resolve(flags.realm) : undefined,
      });
    });

  cli
    .command('setup')
    .description(
      "make every engine usable: Playwright's browsers where downloads work, else Debian's packages",
    )
    .addOption(
      new Option('--backend <kind>', 'which engines')
        .choices(['auto', 'playwright', 'system'])
        .env('ENGINE_BACKEND'),
    )
    .action((flags: { backend?: string }) => {
      process.exitCode = setup({ preference: backendPreference(flags.backend) }) ? EXIT.ok : EXIT.verdicts;
    });

  cli
    .command('report')
    .description('build the Allure HTML report (allure-report/) from allure-results/, with history')
    .action(() => {
      process.exitCode = buildAllureReport();
    });
  return cli;
}

/** Runs the command line; bad usage and bad input exit 2 with one message, before anything runs. */
export async function main(argv: string[]): Promise<void> {
  const cli = program();
  cli.exitOverride();
  for (const command of cli.commands) command.exitOverride();
  try {
    await cli.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end with code 0; commander has already printed what was wrong.
      process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.input;
      return;
    }
    if (error instanceof UsageError) {
      console.error(`cors-conformance: ${error.message}; nothing was run`);
      process.exitCode = EXIT.input;
      return;
    }
    if (error instanceof InputError) {
      console.error(`cors-conformance: the input is invalid, nothing was run:\n${error.message}`);
      process.exitCode = EXIT.input;
      return;
    }
    throw error;
  }
}
