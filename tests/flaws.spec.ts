import { EventEmitter } from 'node:events';
import { readdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { realmWithCatalogue } from '../scenarios/load.ts';
import { buildServer } from '../server/build-server.ts';
import { loadRealm } from '../server/realm.ts';
import { type EnginePages, pagesThrough } from '../src/engines/pages.ts';
import type { Flaw } from '../src/flaws/flaws.ts';
import { loadInputs } from '../src/input/inputs.ts';
import { explain, verdictDifferences } from '../src/run/expectation.ts';
import { runScenario } from '../src/run/run-scenario.ts';
import { ReferenceTarget } from '../src/run/target.ts';
import { testPagesOf } from '../src/wire/proxy-options.ts';
import { type RecordingProxy, startRecordingProxy } from '../src/wire/recording-proxy.ts';
import { test as base, expect } from './fixtures.ts';

/**
 * The suite catches each misconfiguration: the catalogue's misconfig/ (and vary/) scenarios, run in a
 * real engine against a realm profile with exactly one flaw, fail, and their messages name the flaw.
 * (Against the clean realm the same scenarios pass: that is the main run.)
 */
const FLAWS_DIR = fileURLToPath(new URL('../server/realms/flaws/', import.meta.url));
const profiles = readdirSync(FLAWS_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => {
    // The profile's realm serves the catalogue's own pipelines too, as the clean realm does.
    const realm = realmWithCatalogue(loadRealm(join(FLAWS_DIR, file)), loadInputs().catalogue);
    return { name: basename(file, '.json'), realm, flaw: (realm.flaw ?? '').split(':')[0] as Flaw };
  });
const hostOf = (profile: string) => `${profile}.flaws.example.test`;
// mockttp probes each local port it passes through to with one shared server and leaves a `once`
// listener behind per probe; one server per profile exceeds Node's default warning threshold of 10.
EventEmitter.defaultMaxListeners = Math.max(EventEmitter.defaultMaxListeners, profiles.length + 10);

interface FlawWorld {
  proxy: RecordingProxy;
  pages: EnginePages;
}

const test = base.extend<object, { flawWorld: FlawWorld }>({
  flawWorld: [
    async ({ engine, inputs }, use) => {
      const servers: FastifyInstance[] = [];
      const upstreams = [];
      for (const profile of profiles) {
        const app = buildServer(profile.realm);
        await app.listen({ host: 'localhost', port: 0 });
        servers.push(app);
        upstreams.push({
          host: hostOf(profile.name),
          forwardTo: {
            host: `localhost:${(app.server.address() as AddressInfo).port}`,
            protocol: 'http' as const,
          },
        });
      }
      const proxy = await startRecordingProxy({ ...testPagesOf(inputs), upstreams });
      const pages = pagesThrough(engine, proxy.server);
      await use({ proxy, pages });
      await pages.closeAll();
      await proxy.close();
      await Promise.all(servers.map((s) => s.close()));
    },
    { scope: 'worker', timeout: 120_000, title: 'flawed realms' },
  ],
});

for (const profile of profiles) {
  test(`flaws/${profile.name} is caught`, async ({ engine, flawWorld, inputs }) => {
    const scenarios = inputs.catalogue.scenarios.filter((s) => s.area === 'misconfig' || s.area === 'vary');
    const target = new ReferenceTarget(profile.realm, `https://${hostOf(profile.name)}`);
    const caught: string[] = [];
    for (const scenario of scenarios) {
      const page = await flawWorld.pages.get(scenario.pageOrigin ?? inputs.pageOrigin);
      const run = await runScenario(scenario, engine, page, target, flawWorld.proxy.wire);
      const missed = verdictDifferences(run).filter((f) => f.differences.length > 0);
      if (missed.length === 0) continue;
      const message = missed.map(({ fetch }) => explain(run, fetch)).join('\n\n');
      caught.push(`${scenario.id}:\n${message}`);
      // One observation can fit several flaws (an echoed look-alike is also a reflection): each failure
      // names a flaw, and the profile's own is among them.
      expect(message, `${scenario.id} fails against ${profile.name}: the message names a flaw`).toContain(
        'FLAW: ',
      );
    }
    await test.info().attach('scenarios that caught it', {
      body: caught.join('\n\n') || '(none)',
      contentType: 'text/plain',
    });
    expect(caught.length, `a misconfig scenario fails against ${profile.name}`).toBeGreaterThan(0);
    expect(caught.join('\n'), `the failures name the flaw of ${profile.name}`).toContain(
      `FLAW: ${profile.flaw}`,
    );
  });
}
