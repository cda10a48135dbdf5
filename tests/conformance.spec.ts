import { test } from './fixtures.ts';
import { assertExpectation } from './harness/expectation.ts';
import { loadInputs } from './harness/inputs.ts';
import { runScenario } from './harness/run-scenario.ts';
import { reportRun } from './report/allure.ts';

/** One test per scenario per engine (project), titled with the scenario id: `--grep digibee/` works. */
const { catalogue } = loadInputs();
const areaTitles = new Map(catalogue.areas.map((a) => [a.area, a.title]));

for (const scenario of catalogue.scenarios) {
  test(scenario.id, {
    annotation: [{ type: 'description', description: scenario.description }],
    tag: `@${scenario.level}`,
  }, async ({ engine, enginePage, target }) => {
    const run = await runScenario(scenario, engine.name, enginePage, target);
    await reportRun(run, engine, areaTitles.get(scenario.area) ?? scenario.area);
    assertExpectation(run);
  });
}
