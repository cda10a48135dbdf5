import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadCatalogue, realmWithCatalogue } from '../scenarios/load.ts';
import { loadRealm, pipelinePath, policyOfPipeline } from '../server/realm.ts';
import { InputError } from '../src/input/data-file.ts';
import { TargetsFile } from '../src/input/targets.ts';

/**
 * `npm run targets -- --realm server/realms/reference.json --base http://127.0.0.1:8080 [--out targets.json]`
 *
 * A targets file (CORS_TARGETS) from a realm's pipeline list: one target per pipeline, at
 * `{base}/pipeline/{realm}/v{major}/{name}`, its policy the pipeline's CORS configuration (the realm's
 * headers merged in). A pipeline made flawed on purpose (quirks) is left out and named on stderr: its
 * configuration is not what it answers. `--limit N` keeps the first N.
 */
const { values } = parseArgs({
  options: {
    realm: { type: 'string' },
    base: { type: 'string' },
    out: { type: 'string' },
    limit: { type: 'string' },
    'with-catalogue': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

const usage =
  'usage: npm run targets -- --realm REALM.json --base http://HOST:PORT [--out targets.json] [--limit N] [--with-catalogue]\n' +
  '  --with-catalogue  also the pipelines the catalogue states inline (what npm run reference-server serves)';

if (values.help) {
  console.log(usage);
  process.exit(0);
}

try {
  if (!values.base)
    throw new InputError([{ file: 'arguments', field: '--base', message: `is required\n${usage}` }]);
  let base: URL;
  try {
    base = new URL(values.base);
  } catch {
    throw new InputError([
      { file: 'arguments', field: '--base', message: `"${values.base}" is not an absolute URL` },
    ]);
  }
  const limit = values.limit === undefined ? Number.POSITIVE_INFINITY : Number(values.limit);
  if (values.limit !== undefined && (!Number.isInteger(limit) || limit < 1))
    throw new InputError([
      { file: 'arguments', field: '--limit', message: `"${values.limit}" is not a positive integer` },
    ]);
  const file = loadRealm(values.realm);
  const realm = values['with-catalogue'] ? realmWithCatalogue(file, loadCatalogue(file)) : file;
  const targets = [];
  for (const pipeline of realm.pipelines) {
    const policy = policyOfPipeline(realm, pipeline);
    if (!policy) {
      process.stderr.write(
        `left out: ${pipeline.name} (flawed on purpose: its answers are not its configuration)\n`,
      );
      continue;
    }
    if (targets.length >= limit) break;
    targets.push({
      name: pipeline.name,
      url: new URL(pipelinePath(realm.name, pipeline), base).href,
      policy: JSON.parse(JSON.stringify(policy)) as Record<string, unknown>,
    });
  }
  const text = `${JSON.stringify(TargetsFile.parse({ targets }), null, 2)}\n`;
  if (values.out) {
    writeFileSync(values.out, text);
    process.stderr.write(`${values.out}: ${targets.length} targets from realm "${realm.name}"\n`);
  } else process.stdout.write(text);
} catch (error) {
  if (!(error instanceof InputError)) throw error;
  console.error(error.message);
  process.exit(2);
}
