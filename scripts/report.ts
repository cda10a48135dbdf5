import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';

/**
 * `npm run report`: the Allure HTML report (allure-report/) from allure-results/, with the history of
 * earlier reports (.allure/history.jsonl, appended to). The output is rebuilt from scratch: Allure
 * leaves stale files of earlier reports in place otherwise.
 */
if (!existsSync('allure-results')) {
  console.error('cors-conformance: no allure-results/ here: run the suite first (npx playwright test)');
  process.exit(1);
}
rmSync('allure-report', { recursive: true, force: true });
const result = spawnSync('npx', ['allure', 'generate', 'allure-results'], { stdio: 'inherit' });
if (result.status === 0)
  console.log('Allure report: allure-report/index.html (npm run report:open serves it)');
process.exit(result.status ?? 1);
