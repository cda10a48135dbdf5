import { spawnSync } from 'node:child_process';
import { ENGINES } from '../src/engines/session.ts';

/**
 * What the nightly CI job does, runnable on one machine:
 *   npm run nightly                 set up the engines, run every spec, build the Allure report (with history)
 *   npm run nightly:test -- ARGS    only the run, with Playwright ARGS (CI runs it once per --shard)
 * ENGINES=chromium,firefox narrows the engines; TARGET_URL / CORS_POLICY / API_KEY work as always.
 */
const [mode = 'all', ...playwrightArgs] = process.argv.slice(2);

function projects(): string[] {
  const wanted = (process.env.ENGINES ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const unknown = wanted.filter((e) => !(ENGINES as readonly string[]).includes(e));
  if (unknown.length > 0) {
    console.error(
      `cors-conformance: ENGINES names ${unknown.join(', ')}; the engines are ${ENGINES.join(', ')}`,
    );
    process.exit(2);
  }
  return wanted.map((engine) => `--project=${engine}`);
}

function run(command: string, args: string[]): number {
  console.log(`$ ${command} ${args.join(' ')}`);
  return spawnSync(command, args, { stdio: 'inherit' }).status ?? 1;
}

if (mode !== 'all' && mode !== 'test') {
  console.error(`usage: tsx scripts/nightly.ts [all|test] [playwright args]; got "${mode}"`);
  process.exit(2);
}
const engines = projects();
if (mode === 'all' && run('npm', ['run', '--silent', 'setup']) !== 0) process.exit(1);
const status = run('npx', ['playwright', 'test', ...engines, ...playwrightArgs]);
// The report is built whatever the run's outcome: a failing night is the one people read.
if (mode === 'all' && run('npm', ['run', '--silent', 'report']) !== 0) process.exit(1);
process.exit(status);
