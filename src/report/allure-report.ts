import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALLURE_RESULTS_DIR } from './global-setup.ts';

/** The project's Allure configuration (categories, grouping, history), beside package.json. */
const ALLURE_CONFIG = fileURLToPath(new URL('../../allurerc.mjs', import.meta.url));
export const ALLURE_REPORT_DIR = 'allure-report';

/**
 * The Allure HTML report (allure-report/) from the run's results (allure-results/), with the history
 * of earlier reports (.allure/history.jsonl, appended to). The output is rebuilt from scratch: Allure
 * leaves stale files of earlier reports in place otherwise. Returns the exit status.
 */
export function buildAllureReport(say: (line: string) => void = console.log): number {
  if (!existsSync(ALLURE_RESULTS_DIR)) {
    say(`cors-conformance: no ${ALLURE_RESULTS_DIR}/ here: run the suite first`);
    return 1;
  }
  rmSync(ALLURE_REPORT_DIR, { recursive: true, force: true });
  const require = createRequire(import.meta.url);
  // allure exports no package.json: its CLI sits beside dist/, where its main module is.
  const cli = join(dirname(require.resolve('allure')), '..', 'cli.js');
  const result = spawnSync(
    process.execPath,
    [cli, 'generate', ALLURE_RESULTS_DIR, '--config', ALLURE_CONFIG, '--output', ALLURE_REPORT_DIR],
    { stdio: 'inherit' },
  );
  if (result.status === 0) say(`Allure report: ${ALLURE_REPORT_DIR}/index.html`);
  return result.status ?? 1;
}
