import { buildAllureReport } from '../src/report/allure-report.ts';

/** `npm run report`: the Allure HTML report from allure-results/ (src/report/allure-report.ts). */
const status = buildAllureReport();
if (status === 0) console.log('npm run report:open serves it');
process.exit(status);
