import { loadInputs } from '../src/input/inputs.ts';
import { describeOutcome } from '../src/outcome/outcome.ts';
import { reportRun } from '../src/report/allure.ts';
import {
  COOKIE_WITHHELD_ANNOTATION,
  DIVERGENCE_ANNOTATION,
  HARNESS_RERUN_ANNOTATION,
  VERDICT_ANNOTATION,
} from '../src/report/annotations.ts';
import { secretsOf } from '../src/report/secrets.ts';
import { assertExpectation, verdictDifferences } from '../src/run/expectation.ts';
import { assertVerdict } from '../src/run/keep-worker.ts';
import { endpointOf, jobsOf, planOf } from '../src/run/plan.ts';
import type { Chunk } from '../src/run/run-ahead.ts';
import { divergenceOf } from '../src/run/run-scenario.ts';
import { test } from './fixtures.ts';

/**
 * One test per scenario per engine (project), titled with the scenario id (`--grep digibee/` works),
 * under its area, and under its endpoint when a targets file names several. The tests of one job
 * (src/run/plan.ts, jobsOf) run in order in one worker, which fetches each area's scenarios ahead
 * several at once (src/run/run-ahead.ts).
 */
const inputs = loadInputs();
const areaTitles = new Map(inputs.catalogue.areas.map((a) => [a.area, a.title]));

function describeChunk(chunk: Chunk, titles: string[]): void {
  const [title, ...inner] = titles;
  if (title === undefined) {
    testsOf(chunk);
    return;
  }
  test.describe(title, () => describeChunk(chunk, inner));
}

function testsOf(chunk: Chunk): void {
  chunk.scenarios.forEach((scenario, index) => {
    test(scenario.id, {
      annotation: [{ type: 'description', description: scenario.description }],
      tag: `@${scenario.level}`,
    }, async ({ engine, runAhead }) => {
      const { target } = chunk;
      // A retry (--retries) runs its scenario by itself.
      const { run, harnessRerun } = await runAhead.run(chunk, index, { alone: test.info().retry > 0 });
      const secrets = secretsOf(run.request, target.credential(scenario)?.value);
      reportRun(
        test.info().attachments,
        run,
        engine,
        target,
        areaTitles.get(scenario.area) ?? scenario.area,
        secrets,
        endpointOf(chunk),
      );
      const annotations = test.info().annotations;
      if (harnessRerun) annotations.push({ type: HARNESS_RERUN_ANNOTATION, description: harnessRerun });
      // The verdict the run summary counts: the first that misses the expectation, else the last.
      const counted =
        verdictDifferences(run).find((f) => f.differences.length > 0)?.fetch ?? run.fetches.at(-1);
      if (counted) annotations.push({ type: VERDICT_ANNOTATION, description: counted.verdict.verdict });
      if (counted?.verdict.verdict === 'allowed' && counted.verdict.cookies === 'withheld')
        annotations.push({ type: COOKIE_WITHHELD_ANNOTATION, description: describeOutcome(counted.verdict) });
      const divergence = divergenceOf(run) ?? run.expected.knownDivergence;
      if (divergence)
        annotations.push({ type: DIVERGENCE_ANNOTATION, description: secrets.mask(divergence) });
      // A missed verdict fails the test and keeps the worker (its engine, its pages, what it fetched ahead).
      assertVerdict(test.info(), () => assertExpectation(run, (text) => secrets.mask(text)));
    });
  });
}

// Each job stays in order in one worker (an untitled describe: the titles stay endpoint › area ›
// scenario), so that its scenarios can be fetched ahead and a failure costs one worker per job.
for (const job of jobsOf(planOf(inputs))) {
  test.describe(() => {
    test.describe.configure({ mode: 'default' });
    for (const chunk of job) describeChunk(chunk, chunk.titles);
  });
}
