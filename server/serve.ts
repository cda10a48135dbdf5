import { loadCatalogue, realmWithCatalogue } from '../scenarios/load.ts';
import { buildServer } from './build-server.ts';
import { buildPageServer } from './page-server.ts';
import { loadRealm, pipelinePath } from './realm.ts';

export interface ServeOptions {
  host?: string;
  port: number;
  pagePort: number;
  /** A realm file; the bundled reference realm when absent. */
  realmFile?: string | undefined;
  say?: (line: string) => void;
}

/**
 * The reference triggers on host:port and the test page on host:pagePort, with a line per pipeline.
 * The realm file's pipelines and those the catalogue's records state inline: what a run serves.
 * Bad input is an InputError (file, field, problem), thrown before anything listens.
 */
export async function serveReference({
  host = '127.0.0.1',
  port,
  pagePort,
  realmFile,
  say = console.log,
}: ServeOptions): Promise<void> {
  const file = loadRealm(realmFile);
  const realm = realmWithCatalogue(file, loadCatalogue(file));
  const app = buildServer(realm, { logger: true });
  await app.listen({ host, port });
  const page = buildPageServer();
  await page.listen({ host, port: pagePort });
  say(`test page: http://${host}:${pagePort}/`);
  for (const pipeline of realm.pipelines) {
    say(
      `${pipeline.trigger.padEnd(18)} ${pipeline.methods.join(',').padEnd(28)} http://${host}:${port}${pipelinePath(realm.name, pipeline)}`,
    );
  }
}
