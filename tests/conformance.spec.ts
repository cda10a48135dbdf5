import { loadInputs } from '../src/input/inputs.ts';
import { reportRun } from '../src/report/allure.ts';
import { DIVERGENCE_ANNOTATION, VERDICT_ANNOTATION } from '../src/report/annotations.ts';
import { secretsOf } from '../src/report/secrets.ts';
import { assertExpectation, verdictDifferences } from '../src/run/expectation.ts';
import { divergenceOf, runScenario } from '../src/run/run-scenario.ts';
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
    const secrets = secretsOf(run.request, target.credential(scenario)?.value);
    await reportRun(run, engine, target, areaTitles.get(scenario.area) ?? scenario.area, secrets);
    const annotations = test.info().annotations;
    // The verdict the run summary counts: the first that misses the expectation, else the last.
    const counted =
      verdictDifferences(run).find((f) => f.differences.length > 0)?.fetch ?? run.fetches.at(-1);
    if (counted) annotations.push({ type: VERDICT_ANNOTATION, description: counted.verdict.verdict });
    const divergence = divergenceOf(run) ?? run.expected.knownDivergence;
    if (divergence) annotations.push({ type: DIVERGENCE_ANNOTATION, description: secrets.mask(divergence) });
    assertExpectation(run, (text) => secrets.mask(text));
  });
}
