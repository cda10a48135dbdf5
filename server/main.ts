import { loadCatalogue, realmWithCatalogue } from '../scenarios/load.ts';
import { InputError } from '../src/input/data-file.ts';
import { buildServer } from './build-server.ts';
import { buildPageServer } from './page-server.ts';
import { loadRealm, pipelinePath } from './realm.ts';

/**
 * `npm run reference-server`: the reference triggers on 127.0.0.1:${PORT:-8080} and the test page on
 * 127.0.0.1:${PAGE_PORT:-8081}. REALM_CONFIG picks another realm file.
 */
const host = '127.0.0.1';
const port = Number(process.env.PORT ?? 8080);
const pagePort = Number(process.env.PAGE_PORT ?? 8081);

try {
  // The realm file's pipelines and those the catalogue's records state inline: what a run serves.
  const file = loadRealm(process.env.REALM_CONFIG || undefined);
  const realm = realmWithCatalogue(file, loadCatalogue(file));
  const app = buildServer(realm, { logger: true });
  await app.listen({ host, port });
  const page = buildPageServer();
  await page.listen({ host, port: pagePort });
  console.log(`test page: http://${host}:${pagePort}/`);
  for (const pipeline of realm.pipelines) {
    console.log(
      `${pipeline.trigger.padEnd(18)} ${pipeline.methods.join(',').padEnd(28)} http://${host}:${port}${pipelinePath(realm.name, pipeline)}`,
    );
  }
} catch (error) {
  if (error instanceof InputError) {
    console.error(error.message);
    process.exit(2);
  }
  throw error;
}
