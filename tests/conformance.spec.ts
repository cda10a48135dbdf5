import { loadInputs } from '../src/input/inputs.ts';
import { reportRun } from '../src/report/allure.ts';
import { DIVERGENCE_ANNOTATION, VERDICT_ANNOTATION } from '../src/report/annotations.ts';
import { assertExpectation } from '../src/run/expectation.ts';
import { runScenario } from '../src/run/run-scenario.ts';
import { createTarget } from '../src/run/target.ts';
import { test } from './fixtures.ts';

/** One test per scenario per engine (project), titled with the scenario id: `--grep digibee/` works. */
const inputs = loadInputs();
const areaTitles = new Map(inputs.catalogue.areas.map((a) => [a.area, a.title]));
const applicable = createTarget(inputs);

for (const scenario of inputs.catalogue.scenarios.filter((s) => applicable.applies(s))) {
  test(scenario.id, {
    annotation: [{ type: 'description', description: scenario.description }],
    tag: `@${scenario.level}`,
  }, async ({ engine, pages, target, recorder }) => {
    const page = await pages.get(scenario.pageOrigin ?? inputs.pageOrigin);
    const run = await runScenario(scenario, engine, page, target, recorder.wire);
    await reportRun(run, engine, target, areaTitles.get(scenario.area) ?? scenario.area);
    const annotations = test.info().annotations;
    annotations.push({ type: VERDICT_ANNOTATION, description: run.verdict.kind });
    const divergence = run.divergence ?? run.expected.knownDivergence;
    if (divergence) annotations.push({ type: DIVERGENCE_ANNOTATION, description: divergence });
    assertExpectation(run);
  });
}
