import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { projects, targetOf, UsageError } from '../cli/usage.ts';

/**
 * What the nightly CI workflow does, runnable on one machine:
 *   npm run nightly                 set up the engines, run every spec, build the Allure report (with history)
 *   npm run nightly:test -- ARGS    only the run, with Playwright ARGS (CI runs it once per --shard)
 *   npm run nightly -- matrix       the shards: SHARDS (default 3, at most 20) as `count=N` and
 *                                   `matrix=[1,...,N]`, appended to $GITHUB_OUTPUT (CI's plan job)
 *   npm run nightly -- merge        the shards' blob reports (PLAYWRIGHT_BLOB_OUTPUT_DIR, default
 *                                   blob-report/) into Playwright's HTML report (playwright-report/)
 *                                   and the results matrix (cors-report/matrix.html), and the Allure
 *                                   report from allure-results/ (CI's report job)
 * `npm run nightly` is `nightly.ts all`; a mode named after it replaces `all`.
 * ENGINES=chromium,firefox narrows the engines. The target: TARGET_URL (with CORS_POLICY), or a
 * targets file CORS_TARGETS, not both; neither runs the reference realm. API_KEY works as always.
 * Every mode but merge checks these first, and exits 2 on a bad one before anything runs.
 */
export const MODES = ['all', 'test', 'matrix', 'merge'] as const;
export type Mode = (typeof MODES)[number];
export const DEFAULT_SHARDS = 3;
export const MAX_SHARDS = 20;
const HTML_REPORT_DIR = 'playwright-report';

const isMode = (word: string | undefined): word is Mode => (MODES as readonly string[]).includes(word ?? '');

/** The mode and the arguments after it (Playwright's, for `all` and `test`). */
export function modeOf(argv: string[]): { mode: Mode; args: string[] } {
  const [first = 'all', ...rest] = argv;
  if (first === 'all' && isMode(rest[0])) return { mode: rest[0], args: rest.slice(1) };
  if (!isMode(first))
    throw new UsageError(
      `usage: tsx scripts/nightly.ts [${MODES.join('|')}] [playwright args]; got "${first}"`,
    );
  if ((first === 'matrix' || first === 'merge') && rest.length > 0)
    throw new UsageError(`nightly.ts ${first} takes no arguments; got ${rest.join(' ')}`);
  return { mode: first, args: rest };
}

/** The number of shards SHARDS asks for (empty: the default): a whole number from 1 to MAX_SHARDS. */
export function shardCount(value: string | undefined): number {
  const text = value?.trim() || String(DEFAULT_SHARDS);
  const count = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(count >= 1 && count <= MAX_SHARDS))
    throw new UsageError(
      `SHARDS is "${value}": the number of shards (runners) is a whole number from 1 to ${MAX_SHARDS}`,
    );
  return count;
}

/** The shard numbers of a matrix of `count` runners: [1, 2, ..., count]. */
export const shardMatrix = (count: number): number[] => Array.from({ length: count }, (_, i) => i + 1);

type Env = Record<string, string | undefined>;

function run(command: string, args: string[], env: Env = {}): number {
  console.log(`$ ${command} ${args.join(' ')}`);
  return spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } }).status ?? 1;
}

/** CI's plan job: the shards, as the outputs `count` and `matrix` (printed where there is no $GITHUB_OUTPUT). */
function matrix(env: Env, count: number): number {
  const lines = `count=${count}\nmatrix=${JSON.stringify(shardMatrix(count))}\n`;
  if (env.GITHUB_OUTPUT) appendFileSync(env.GITHUB_OUTPUT, lines);
  process.stdout.write(lines);
  return 0;
}

/**
 * CI's report job: both reports, whatever the other's outcome. `playwright merge-reports` exits 1 when
 * the merged run failed; that a report was written is what counts here (a failing night is the one
 * people read).
 */
function merge(env: Env): number {
  let status = 0;
  const blobs = env.PLAYWRIGHT_BLOB_OUTPUT_DIR?.trim() || 'blob-report';
  const zips = existsSync(blobs) ? readdirSync(blobs).filter((f) => f.endsWith('.zip')) : [];
  rmSync(HTML_REPORT_DIR, { recursive: true, force: true });
  if (zips.length === 0) {
    console.error(`cors-conformance: no blob reports in ${blobs}/: Playwright's HTML report is not built`);
    status = 1;
  } else {
    console.log(`cors-conformance: merging ${zips.length} blob reports from ${blobs}/: ${zips.join(', ')}`);
    const html = { PLAYWRIGHT_HTML_OPEN: 'never', PLAYWRIGHT_HTML_OUTPUT_DIR: HTML_REPORT_DIR };
    // The run summary over the merged run (its endpoint x engine table and the completeness check no
    // shard could make), and the results matrix of the whole run (cors-report/matrix.html).
    run(
      'npx',
      [
        'playwright',
        'merge-reports',
        '--reporter',
        'html,./src/report/run-summary-reporter.ts,./src/report/matrix-reporter.ts',
        blobs,
      ],
      html,
    );
    if (existsSync(`${HTML_REPORT_DIR}/index.html`))
      console.log(`Playwright report: ${HTML_REPORT_DIR}/index.html (npx playwright show-report serves it)`);
    else {
      console.error(`cors-conformance: playwright merge-reports wrote no ${HTML_REPORT_DIR}/index.html`);
      status = 1;
    }
  }
  if (run('npm', ['run', '--silent', 'report']) !== 0) status = 1;
  return status;
}

function main(argv: string[], env: Env): number {
  const { mode, args } = modeOf(argv);
  if (mode === 'merge') return merge(env);
  const shards = mode === 'matrix' ? shardCount(env.SHARDS) : 0;
  const engines = projects(env);
  console.log(
    `cors-conformance: the run is against ${targetOf(env)}, in ${engines.length > 0 ? env.ENGINES : 'every engine'}`,
  );
  if (mode === 'matrix') return matrix(env, shards);
  if (mode === 'all' && run('npm', ['run', '--silent', 'setup']) !== 0) return 1;
  const status = run('npx', ['playwright', 'test', ...engines, ...args]);
  // The report is built whatever the run's outcome: a failing night is the one people read.
  if (mode === 'all' && run('npm', ['run', '--silent', 'report']) !== 0) return 1;
  return status;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    process.exit(main(process.argv.slice(2), process.env));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`cors-conformance: ${error.message}; nothing was run`);
    process.exit(2);
  }
}
