import { defineConfig } from 'allure';

/**
 * The Allure 3 report (`npm run report`): suites by area then scenario, each engine a parameter;
 * categories a reader needs first; history kept in .allure/history.jsonl (CI carries it between nights).
 */
export default defineConfig({
  name: 'cors-conformance',
  output: './allure-report',
  historyPath: './.allure/history.jsonl',
  historyLimit: 60,
  categories: {
    rules: [
      {
        id: 'unreachable',
        name: 'Unreachable targets',
        matchers: { statuses: ['failed', 'broken'], message: /the engine unreachable \(/ },
        groupByMessage: false,
      },
      {
        id: 'harness',
        name: 'Harness errors',
        matchers: [
          { statuses: ['broken'] },
          {
            statuses: ['failed'],
            message: /No usable engine|WebKitGTK session|HarnessError|Test timeout|fixture/,
          },
        ],
      },
      {
        id: 'flaws',
        name: 'Misconfigurations (named flaws)',
        matchers: { statuses: ['failed'], message: /FLAW: / },
        groupBy: [{ label: 'flaw' }],
      },
      {
        id: 'policy',
        name: 'Policy violations (the engine did not do what the policy or scenario says)',
        matchers: { statuses: ['failed'] },
      },
      {
        id: 'divergences',
        name: 'Engine divergences from the Fetch standard',
        matchers: [{ labels: { divergence: /.+/ } }, { labels: { 'known divergence': /.+/ } }],
        groupBy: [{ label: 'known divergence' }],
      },
    ],
  },
  plugins: {
    awesome: {
      options: {
        reportName: 'cors-conformance',
        groupBy: ['parentSuite', 'suite'],
      },
    },
  },
});
