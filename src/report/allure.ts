import { ALLURE_RUNTIME_MESSAGE_CONTENT_TYPE } from 'allure-js-commons/sdk/reporter';
import { citationLink } from '../../scenarios/schema.ts';
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

/** A test's attachments (Playwright's `testInfo.attachments`), which reporters read when the test ends. */
export type Attachments = Array<{ name: string; contentType: string; body?: Buffer; path?: string }>;

/**
 * Labels, links, parameters and evidence of one scenario run, for the Allure report.
 *
 * They go straight into the test's attachments, where allure-playwright reads its runtime messages
 * (ALLURE_RUNTIME_MESSAGE_CONTENT_TYPE) and attachments when the test ends. Through allure's facade
 * each call is a `testInfo.attach()`, which is a test step whose location Playwright finds by
 * capturing and source-mapping a stack trace: about a millisecond each, a dozen per scenario, the
 * largest cost of a passing test in a realm-sized run.
 */
export function reportRun(
  attachments: Attachments,
  run: ScenarioRun,
  engine: Engine,
  target: Target,
  areaTitle: string,
  secrets: Secrets,
  /** The endpoint's name when a targets file names several. */
  endpoint: string | null = null,
): void {
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
  if (scenario.standardsDisagree) labels.push(['standards disagree', scenario.standardsDisagree.note]);
  const links = scenario.spec.map((citation) => citationLink(citation, specUrl));
  const parameters = [
    ...(endpoint ? [{ name: 'endpoint', value: endpoint, excluded: false }] : []),
    { name: 'engine', value: engine.name, excluded: false },
    { name: 'engine version', value: engine.version, excluded: true },
    { name: 'backend', value: describeBackend(engine.backend), excluded: true },
  ];
  // Labels and links go in one message each (a message costs the test a few ms).
  const message = (body: object) => ({
    name: 'allure-metadata.json',
    contentType: ALLURE_RUNTIME_MESSAGE_CONTENT_TYPE,
    body: Buffer.from(JSON.stringify(body)),
  });
  // Evidence as allure's own attachment messages: attached to the test, not wrapped in a step.
  const text = (name: string, body: string, contentType = 'text/plain') =>
    message({
      type: 'attachment_content',
      data: {
        name,
        content: Buffer.from(body).toString('base64'),
        encoding: 'base64',
        contentType,
        wrapInStep: false,
      },
    });
  attachments.push(
    message({
      type: 'metadata',
      data: {
        labels: labels.map(([name, value]) => ({ name, value })),
        links,
        parameters,
        description: scenario.description,
      },
    }),
    text('summary', summary(run, engine, target, secrets)),
    text('request (what the page asked for)', requestTranscript(run, secrets), 'application/json'),
    text('wire (what reached the server)', runWireTranscript(run, secrets)),
    text('oracle explanation', oracleTranscript(run, secrets)),
    text('engine messages', messagesTranscript(run, secrets)),
    text('page outcome', pageOutcomeTranscript(run, secrets), 'application/json'),
  );
}

/** What reportRun left in a test's attachments, read back for other reports (the results matrix). */
export function evidenceOf(attachments: Attachments): { summary: string | null; flaws: string[] } {
  let text: string | null = null;
  const flaws: string[] = [];
  for (const a of attachments) {
    if (a.contentType !== ALLURE_RUNTIME_MESSAGE_CONTENT_TYPE || !a.body) continue;
    const m = JSON.parse(a.body.toString('utf8')) as {
      type: string;
      data: { name?: string; content?: string; labels?: Array<{ name: string; value: string }> };
    };
    if (m.type === 'attachment_content' && m.data.name === 'summary' && m.data.content)
      text = Buffer.from(m.data.content, 'base64').toString('utf8');
    if (m.type === 'metadata')
      flaws.push(...(m.data.labels ?? []).filter((l) => l.name === 'flaw').map((l) => l.value));
  }
  return { summary: text, flaws };
}
