import * as allure from 'allure-js-commons';
import { SEED_DOCUMENT } from '../../scenarios/schema.ts';
import { describeBackend } from '../engines/backends.ts';
import type { Engine } from '../engines/session.ts';
import { specUrl } from '../fetch-standard/rules.ts';
import { divergenceOf, type ScenarioRun } from '../run/run-scenario.ts';
import type { Target } from '../run/target.ts';
import type { Secrets } from './secrets.ts';
import {
  messagesTranscript,
  oracleTranscript,
  pageOutcomeTranscript,
  requestTranscript,
  runWireTranscript,
  summary,
} from './transcript.ts';

/** Labels, links, parameters and evidence of one scenario run, for the Allure report. */
export async function reportRun(
  run: ScenarioRun,
  engine: Engine,
  target: Target,
  areaTitle: string,
  secrets: Secrets,
  /** The endpoint's name when a targets file names several. */
  endpoint: string | null = null,
): Promise<void> {
  const { scenario } = run;
  // Suites: (endpoint,) area, then scenario; the engine is a parameter, so a scenario's three runs sit together.
  if (endpoint) {
    await allure.parentSuite(endpoint);
    await allure.suite(`${scenario.area}: ${areaTitle}`);
    await allure.subSuite(scenario.id);
    await allure.parameter('endpoint', endpoint);
  } else {
    await allure.parentSuite(`${scenario.area}: ${areaTitle}`);
    await allure.suite(scenario.id);
  }
  await allure.epic(`${scenario.area}: ${areaTitle}`);
  await allure.feature(scenario.id);
  await allure.story(scenario.description);
  await allure.severity(
    scenario.level === 'must' ? 'critical' : scenario.level === 'should' ? 'normal' : 'minor',
  );
  await allure.parameter('engine', engine.name);
  await allure.parameter('engine version', engine.version, { excluded: true });
  await allure.parameter('backend', describeBackend(engine.backend), { excluded: true });
  await allure.description(scenario.description);
  for (const citation of scenario.spec) {
    if (citation.source === 'fetch') await allure.link(specUrl(citation.anchor), `Fetch: ${citation.anchor}`);
    else await allure.link(SEED_DOCUMENT.url, `Digibee docs: ${citation.section}`);
  }
  const divergence = divergenceOf(run);
  if (divergence) await allure.label('divergence', secrets.mask(divergence));
  for (const finding of run.findings) await allure.label('flaw', `${finding.flaw} (${finding.severity})`);
  if (run.expected.knownDivergence) await allure.label('known divergence', run.expected.knownDivergence);
  await allure.attachment('summary', summary(run, engine, target, secrets), 'text/plain');
  await allure.attachment(
    'request (what the page asked for)',
    requestTranscript(run, secrets),
    'application/json',
  );
  await allure.attachment('wire (what reached the server)', runWireTranscript(run, secrets), 'text/plain');
  await allure.attachment('oracle explanation', oracleTranscript(run, secrets), 'text/plain');
  await allure.attachment('engine messages', messagesTranscript(run, secrets), 'text/plain');
  await allure.attachment('page outcome', pageOutcomeTranscript(run, secrets), 'application/json');
}
