import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CatalogueEntry } from '../scenarios/load.ts';
import type { FetchSpec } from '../src/engines/session.ts';
import { loadInputs } from '../src/input/inputs.ts';
import { describeOutcome } from '../src/outcome/outcome.ts';
import { discover, type Probe } from '../src/policy/discovery.ts';
import { DISCOVERY_DIR } from '../src/report/discovery-report.ts';
import { Secrets } from '../src/report/secrets.ts';
import { wireTranscript } from '../src/report/transcript.ts';
import { classify } from '../src/run/verdict.ts';
import { expect, test } from './fixtures.ts';

/**
 * `TARGET_URL=...` alone: each engine probes the endpoint (src/policy/discovery.ts), writes the
 * policy it infers for review, and fails only on what is insecure whatever the owner intended.
 */
const inputs = loadInputs();
/** The target ignores which scenario asks for its URL; discovery's probes are no catalogue scenario. */
const PROBE = { id: 'discovery/probe' } as CatalogueEntry;
const endpoint = inputs.endpoint;

if (endpoint && !endpoint.policy) {
  test(`discovery/what ${endpoint.url.href} allows`, async ({ engine, pages, recorder, target }) => {
    const secrets = new Secrets([endpoint.credential?.value]);
    let n = 0;
    const run = async (probe: Probe) => {
      const page = await pages.get(probe.origin);
      const token = `discovery.${engine.name}.${++n}.${Math.random().toString(36).slice(2, 8)}`;
      const caller = { engine: engine.name, backend: engine.backend.kind, origin: page.origin };
      const spec: FetchSpec = {
        url: target.url(PROBE, token, caller),
        method: probe.method,
        headers: Object.entries(probe.headers),
        credentials: probe.credentials,
        body: null,
        mode: 'cors',
        cache: 'no-store',
        timeoutMs: 10_000,
      };
      const outcome = await page.fetch(spec);
      const wire = await recorder.wire(token);
      return { probe, verdict: classify(outcome, wire), wire };
    };
    const found = await discover(run, inputs.pageOrigin, endpoint.credential);
    mkdirSync(DISCOVERY_DIR, { recursive: true });
    const policyText = `${JSON.stringify(found.policy, null, 2)}\n`;
    writeFileSync(join(DISCOVERY_DIR, `policy.${engine.name}.json`), policyText);
    const profile = [
      `What ${engine.name} found at ${endpoint.url.href} (no policy given: ${found.results.length} verdicts, none with a declared intent behind it)`,
      ...found.profile,
    ].join('\n');
    writeFileSync(join(DISCOVERY_DIR, `profile.${engine.name}.txt`), `${secrets.mask(profile)}\n`);
    await test.info().attach('inferred policy', { body: policyText, contentType: 'application/json' });
    await test.info().attach('profile', { body: secrets.mask(profile), contentType: 'text/plain' });
    const transcript = found.results
      .map(
        (r) =>
          `${r.probe.label}: the engine ${describeOutcome(r.verdict)}\n${wireTranscript(r.wire, secrets)}`,
      )
      .join('\n\n');
    await test.info().attach('wire', { body: secrets.mask(transcript), contentType: 'text/plain' });

    expect(found.unreachable, `the endpoint could not be reached: ${found.unreachable}`).toBeUndefined();
    for (const insecure of found.insecure)
      expect.soft(insecure.what, secrets.mask(`INSECURE whatever the intent: ${insecure.evidence}`)).toBe('');
  });
}
