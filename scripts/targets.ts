import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadCatalogue, realmWithCatalogue } from '../scenarios/load.ts';
import { loadRealm, pipelinePath, policyOfPipeline } from '../server/realm.ts';
import { InputError, readJson } from '../src/input/data-file.ts';
import { targetsFromOpenApi } from '../src/input/openapi.ts';
import { TargetsFile } from '../src/input/targets.ts';

/**
 * A targets file (CORS_TARGETS), from a realm or from an OpenAPI document; on stdout, or in `--out`.
 *
 * `npm run targets -- --realm server/realms/reference.json --base http://127.0.0.1:8080 [--out targets.json]`
 *
 * From a realm's pipeline list: one target per pipeline, at `{base}/pipeline/{realm}/v{major}/{name}`,
 * its policy the pipeline's CORS configuration (the realm's headers merged in). A pipeline made flawed
 * on purpose (quirks) is left out and named on stderr: its configuration is not what it answers.
 *
 * `npm run targets -- --openapi api.yaml [--base https://staging.acme.com/v1] [--defaults policy.json] [--out targets.json]`
 *
 * From an OpenAPI 3.0 or 3.1 document (src/input/openapi.ts): one target per path, at the first server's
 * URL (or `--base`), its policy what the document states (methods, API key header or bearer token, AWS
 * API Gateway's CORS configuration). `--defaults` is a policy file whose fields every target has unless
 * the document states them. What the document leaves unsaid is printed on stderr, one note a line.
 *
 * `--limit N` keeps the first N targets.
 */
const { values } = parseArgs({
  options: {
    realm: { type: 'string' },
    openapi: { type: 'string' },
    defaults: { type: 'string' },
    base: { type: 'string' },
    out: { type: 'string' },
    limit: { type: 'string' },
    'with-catalogue': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

const usage =
  'usage: npm run targets -- --realm REALM.json --base http://HOST:PORT [--out targets.json] [--limit N] [--with-catalogue]\n' +
  '       npm run targets -- --openapi API.yaml|API.json [--base URL] [--defaults POLICY.json] [--out targets.json] [--limit N]\n' +
  '  --with-catalogue  also the pipelines the catalogue states inline (what npm run reference-server serves)\n' +
  "  --base            with --openapi: the URL the paths are joined to, instead of the document's first server\n" +
  '  --defaults        with --openapi: a policy file whose fields every target has unless the document states them';

if (values.help) {
  console.log(usage);
  process.exit(0);
}

const argument = (field: string, message: string) => new InputError([{ file: 'arguments', field, message }]);

/** The targets of a realm's pipeline list. */
function fromRealm(realmFile: string | undefined, limit: number): { targets: unknown[]; what: string } {
  if (!values.base) throw argument('--base', `is required with --realm\n${usage}`);
  let base: URL;
  try {
    base = new URL(values.base);
  } catch {
    throw argument('--base', `"${values.base}" is not an absolute URL`);
  }
  const file = loadRealm(realmFile);
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
  return { targets, what: `realm "${realm.name}"` };
}

/** The defaults policy file of `--defaults`: a JSON object. */
function readDefaults(file: string): Record<string, unknown> {
  const read = readJson(file);
  if (!read.ok) throw new InputError(read.problems);
  if (typeof read.value !== 'object' || read.value === null || Array.isArray(read.value))
    throw new InputError([{ file, field: '(file)', message: 'must be a JSON object (policy fields)' }]);
  return read.value as Record<string, unknown>;
}

try {
  if (values.realm !== undefined && values.openapi !== undefined)
    throw argument('--realm, --openapi', `give one: a realm or an OpenAPI document\n${usage}`);
  if (values.openapi === undefined) {
    if (values.defaults !== undefined) throw argument('--defaults', 'goes with --openapi');
  } else if (values['with-catalogue']) throw argument('--with-catalogue', 'goes with --realm');
  const limit = values.limit === undefined ? Number.POSITIVE_INFINITY : Number(values.limit);
  if (values.limit !== undefined && (!Number.isInteger(limit) || limit < 1))
    throw argument('--limit', `"${values.limit}" is not a positive integer`);

  let file: TargetsFile;
  let what: string;
  if (values.openapi !== undefined) {
    const defaults = values.defaults === undefined ? undefined : readDefaults(values.defaults);
    const made = await targetsFromOpenApi(values.openapi, {
      ...(values.base !== undefined && { base: values.base }),
      ...(defaults && { defaults, defaultsFile: values.defaults }),
      ...(values.limit !== undefined && { limit }),
    });
    for (const note of made.notes) process.stderr.write(`${note}\n`);
    file = TargetsFile.parse(made.targetsFile);
    what = `OpenAPI document ${values.openapi}`;
  } else {
    const realm = fromRealm(values.realm, limit);
    file = TargetsFile.parse({ targets: realm.targets });
    what = realm.what;
  }
  const text = `${JSON.stringify(file, null, 2)}\n`;
  if (values.out) {
    writeFileSync(values.out, text);
    process.stderr.write(`${values.out}: ${file.targets.length} targets from ${what}\n`);
  } else process.stdout.write(text);
} catch (error) {
  if (!(error instanceof InputError)) throw error;
  console.error(error.message);
  process.exit(2);
}
