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
  const area = `${scenario.area}: ${areaTitle}`;
  // Suites: what is under test (a targets file's endpoint, the one endpoint, or the reference realm),
  // the area, the scenario; the engine is a parameter, so a scenario's three runs sit together.
  const under = endpoint ?? target.name;
  const labels: Array<[string, string]> = [
    ['parentSuite', under],
    ['suite', area],
    ['subSuite', scenario.id],
    ['epic', area],
    ['feature', scenario.id],
    ['story', scenario.description],
    ['severity', scenario.level === 'must' ? 'critical' : scenario.level === 'should' ? 'normal' : 'minor'],
  ];
  const divergence = divergenceOf(run);
  if (divergence) labels.push(['divergence', secrets.mask(divergence)]);
  for (const finding of run.findings) labels.push(['flaw', `${finding.flaw} (${finding.severity})`]);
  if (run.expected.knownDivergence) labels.push(['known divergence', run.expected.knownDivergence]);
  const links = scenario.spec.map((citation) =>
    citation.source === 'fetch'
      ? { url: specUrl(citation.anchor), name: `Fetch: ${citation.anchor}` }
      : { url: SEED_DOCUMENT.url, name: `Digibee docs: ${citation.section}` },
  );
  const parameters = [
    ...(endpoint ? [{ name: 'endpoint', value: endpoint, excluded: false }] : []),
    { name: 'engine', value: engine.name, excluded: false },
    { name: 'engine version', value: engine.version, excluded: true },
    { name: 'backend', value: describeBackend(engine.backend), excluded: true },
  ];
  // Labels and links go in one message each (a message costs the test a few ms).
  await allure.labels(...labels.map(([name, value]) => ({ name, value })));
  await allure.links(...links);
  for (const { name, value, excluded } of parameters) await allure.parameter(name, value, { excluded });
  await allure.description(scenario.description);
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
