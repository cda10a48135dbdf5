import { RequestLog } from '../server/request-log.ts';
import { freePort } from './engines/processes.ts';
import { expect, test } from './fixtures.ts';
import { loadInputs } from './harness/inputs.ts';
import { runScenario } from './harness/run-scenario.ts';
import { ReferenceTarget } from './harness/target.ts';
import { summary, wireTranscript } from './report/transcript.ts';

/** The harness proves itself in each engine: what is not CORS must never read as CORS. */
const { realm, catalogue } = loadInputs();

test('harness/closed-port-is-unreachable-not-blocked', async ({ engine, enginePage, target }) => {
  const scenario = catalogue.scenarios.find((s) => s.id === 'digibee/example-1-get-allowed');
  if (!scenario) throw new Error('digibee/example-1-get-allowed is missing from the catalogue');
  const closedPort = await freePort(); // nothing listens there
  const closed = new ReferenceTarget(
    realm,
    new RequestLog(),
    `http://localhost:${closedPort}`,
    target.pageOrigin,
  );
  const run = await runScenario(scenario, engine.name, enginePage, closed);
  await test.info().attach('summary', { body: summary(run, engine), contentType: 'text/plain' });
  await test.info().attach('wire', { body: wireTranscript(run.wire), contentType: 'text/plain' });
  expect(run.wire).toEqual([]);
  expect(run.verdict.kind, 'a closed port is reported as unreachable, never as blocked by CORS').toBe(
    'unreachable',
  );
  expect(run.oracle.verdict).toBe('incomplete');
});
