import { compileErrors, dereference, validate } from '@readme/openapi-parser';
import { z } from 'zod';
import { Policy, PolicyModel } from '../policy/policy.ts';
import { check, fieldPath, InputError, type Problem } from './data-file.ts';
import type { TargetsFile } from './targets.ts';

/**
 * A targets file (CORS_TARGETS) from an OpenAPI 3.0 or 3.1 document (`npm run targets -- --openapi`).
 *
 * @readme/openapi-parser reads the document (JSON or YAML), validates it against the OpenAPI schema and
 * dereferences every `$ref`. Each path becomes one target; its policy holds what the document states:
 * the methods of its operations, its API key header or bearer token, and the CORS configuration the
 * document carries for AWS API Gateway (`x-amazon-apigateway-cors` for an HTTP API, or a REST API's
 * `options` mock integration). What the document does not state is left to `defaults` (a policy file's
 * fields, written as the targets file's `defaults.policy`) and said in `notes`.
 */

/** What the import gives: a targets file (it parses with TargetsFile) and what to tell its reader. */
export interface OpenApiTargets {
  targetsFile: z.input<typeof TargetsFile>;
  /** One line each: what the document leaves unsaid, or what the suite cannot do as the document says. */
  notes: string[];
}

export interface OpenApiOptions {
  /** The URL the paths are joined to, instead of the document's first server (a relative server URL is resolved against it). */
  base?: string;
  /** Policy fields every target has unless the document states them: the targets file's `defaults.policy`. */
  defaults?: Record<string, unknown>;
  /** The file `defaults` was read from, as problems name it. */
  defaultsFile?: string;
  /** Keep the first `limit` paths. */
  limit?: number;
}

/** The operations of a path item, as OpenAPI 3 names them. */
const OPERATIONS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** Header parameters OpenAPI says to ignore: the request body and the security schemes set them. */
const IGNORED_HEADER_PARAMETERS = new Set(['accept', 'content-type', 'authorization']);

/** The environment variable a bearer token is read from. */
export const BEARER_TOKEN_ENV = 'BEARER_TOKEN';

/** The parts of a dereferenced document the import reads (the parser has validated the rest). */
interface Schema {
  type?: string | string[];
  example?: unknown;
  examples?: unknown[];
  default?: unknown;
}
interface Parameter {
  name: string;
  in: string;
  example?: unknown;
  examples?: Record<string, { value?: unknown }>;
  schema?: Schema;
}
type SecurityRequirement = Record<string, string[]>;
interface Operation {
  parameters?: Parameter[];
  security?: SecurityRequirement[];
  'x-amazon-apigateway-integration'?: unknown;
}
type PathItem = Partial<Record<(typeof OPERATIONS)[number], Operation>> & { parameters?: Parameter[] };
interface SecurityScheme {
  type: string;
  name?: string;
  in?: string;
  scheme?: string;
}
interface ServerVariable {
  default: string;
}
interface Document {
  openapi?: string;
  swagger?: string;
  servers?: Array<{ url: string; variables?: Record<string, ServerVariable> }>;
  paths?: Record<string, PathItem>;
  security?: SecurityRequirement[];
  components?: { securitySchemes?: Record<string, SecurityScheme> };
  'x-amazon-apigateway-cors'?: unknown;
}

/**
 * AWS API Gateway's CORS configuration of an HTTP API, at the document's top level
 * (docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-cors-configuration.html).
 */
const AwsCors = z
  .object({
    allowOrigins: z.array(z.string()).optional(),
    allowMethods: z.array(z.string()).optional(),
    allowHeaders: z.array(z.string()).optional(),
    exposeHeaders: z.array(z.string()).optional(),
    maxAge: z.number().int().optional(),
    allowCredentials: z.boolean().optional(),
  })
  .strict();

/**
 * A REST API's `options` operation answered by API Gateway's mock integration, the CORS headers as
 * static values in single quotes (docs.aws.amazon.com/apigateway/latest/developerguide/enable-cors-for-resource-using-swagger-importer-tool.html).
 */
const AwsIntegration = z
  .object({
    responses: z
      .object({
        default: z
          .object({
            statusCode: z.union([z.string(), z.number()]).optional(),
            responseParameters: z.record(z.string(), z.string()).optional(),
          })
          .loose()
          .optional(),
      })
      .loose()
      .optional(),
  })
  .loose();

/** The policy fields a CORS configuration states. */
type CorsFields = Record<string, unknown>;

const RESPONSE_HEADER = 'method.response.header.';

const splitList = (value: string) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

/** `["*"]` is the wildcard; any other list is the origins allowed. */
const allowOriginOf = (origins: string[]): string | string[] =>
  origins.length === 1 && origins[0] === '*' ? '*' : origins;

/** Each policy field, and the `x-amazon-apigateway-cors` field that states it. */
const AWS_FIELDS = {
  allowOrigin: 'allowOrigins',
  allowMethods: 'allowMethods',
  allowHeaders: 'allowHeaders',
  exposeHeaders: 'exposeHeaders',
  maxAge: 'maxAge',
  allowCredentials: 'allowCredentials',
} as const;

/** The policy fields of an `x-amazon-apigateway-cors` object (`allowOrigins: ["*"]` is `allowOrigin: "*"`). */
export function fieldsOfAwsCors(cors: z.output<typeof AwsCors>): CorsFields {
  const fields: CorsFields = {};
  for (const [field, aws] of Object.entries(AWS_FIELDS)) {
    const value = cors[aws];
    if (value !== undefined)
      fields[field] = field === 'allowOrigin' ? allowOriginOf(value as string[]) : value;
  }
  return fields;
}

/**
 * The policy fields a REST API's mock `options` integration answers with: each
 * `method.response.header.Access-Control-*` value a static string in single quotes (`"'*'"`). A value
 * mapped from the request or the integration (no quotes) is not known before a call: it is left out and
 * said in `unread`.
 */
export function fieldsOfRestIntegration(
  responseParameters: Record<string, string>,
  statusCode: string | number | undefined,
): { fields: CorsFields; unread: string[] } {
  const fields: CorsFields = {};
  const unread: string[] = [];
  for (const [key, raw] of Object.entries(responseParameters)) {
    if (!key.toLowerCase().startsWith(RESPONSE_HEADER)) continue;
    const header = key.slice(RESPONSE_HEADER.length);
    const quoted = /^'(.*)'$/s.exec(raw.trim());
    const name = header.toLowerCase();
    if (!name.startsWith('access-control-')) continue;
    if (!quoted) {
      unread.push(`${header} (${raw})`);
      continue;
    }
    const value = (quoted[1] ?? '').trim();
    switch (name) {
      case 'access-control-allow-origin':
        fields.allowOrigin = allowOriginOf(splitList(value));
        break;
      case 'access-control-allow-methods':
        fields.allowMethods = splitList(value);
        break;
      case 'access-control-allow-headers':
        fields.allowHeaders = splitList(value);
        break;
      case 'access-control-expose-headers':
        fields.exposeHeaders = splitList(value);
        break;
      case 'access-control-allow-credentials':
        fields.allowCredentials = value === 'true';
        break;
      case 'access-control-max-age':
        fields.maxAge = /^\d+$/.test(value) ? Number(value) : value;
        break;
      default:
        unread.push(`${header} (not a CORS response header)`);
    }
  }
  const status = Number(statusCode);
  if (Object.keys(fields).length > 0 && Number.isInteger(status) && status >= 100 && status <= 599)
    fields.preflightStatus = status;
  return { fields, unread };
}

/** A target's name from its path: `/orders/{id}` is `orders-id`, `/` is `root`. Unique case-insensitively among `taken`. */
export function targetNameOf(path: string, taken: Set<string>): string {
  const plain =
    path
      .toLowerCase()
      .replace(/[^a-z0-9._]+/g, '-')
      .replace(/^[^a-z0-9]+|[-._]+$/g, '')
      .slice(0, 64)
      .replace(/[-._]+$/, '') || 'root';
  let name = plain;
  for (let n = 2; taken.has(name.toLowerCase()); n++) {
    const suffix = `-${n}`;
    name = `${plain.slice(0, 64 - suffix.length)}${suffix}`;
  }
  taken.add(name.toLowerCase());
  return name;
}

/** The value a path parameter is given in the URL: its example or default, else a placeholder by type. */
export function sampleValueOf(parameter: Parameter | undefined): string {
  const schema = parameter?.schema;
  const firstExample = parameter?.examples ? Object.values(parameter.examples)[0]?.value : undefined;
  const stated = [
    parameter?.example,
    firstExample,
    schema?.example,
    Array.isArray(schema?.examples) ? schema.examples[0] : undefined,
    schema?.default,
  ].find((v) => v !== undefined && v !== null && typeof v !== 'object');
  if (stated !== undefined) return String(stated);
  const types = Array.isArray(schema?.type) ? schema.type : [schema?.type];
  return types.includes('integer') || types.includes('number') ? '1' : 'example';
}

/** The URL of `path` under `server`, its templates filled with `parameters`' samples. */
export function urlOf(server: URL, path: string, parameters: Parameter[]): string {
  const filled = path.replace(/\{([^}]+)\}/g, (_, name: string) =>
    encodeURIComponent(sampleValueOf(parameters.find((p) => p.in === 'path' && p.name === name))),
  );
  const url = new URL(server.href);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${filled.startsWith('/') ? '' : '/'}${filled}`;
  return url.href;
}

/** The document's first server URL (absolute or relative), each `{variable}` given its default; no server is `/`. */
export function serverUrlOf(doc: Pick<Document, 'servers'>): { url: string; field: string } {
  const server = doc.servers?.[0];
  if (!server) return { url: '/', field: 'servers' };
  const url = server.url.replace(/\{([^}]+)\}/g, (whole, name: string) => {
    const variable = server.variables?.[name];
    return variable ? String(variable.default) : whole;
  });
  return { url, field: 'servers[0].url' };
}

/** Where the paths go: `base` (a relative server URL resolved against it), else the first server's URL. */
function serverOf(doc: Document, file: string, base: string | undefined): URL {
  const { url, field } = serverUrlOf(doc);
  const problem = (f: string, message: string) => new InputError([{ file, field: f, message }]);
  const unfilled = /\{([^}]+)\}/.exec(url);
  if (unfilled) throw problem(field, `the variable {${unfilled[1]}} has no entry in servers[0].variables`);
  let absolute: URL | undefined;
  try {
    absolute = new URL(url);
  } catch {
    absolute = undefined;
  }
  let server: URL;
  if (base !== undefined) {
    try {
      server = absolute ? new URL(base) : new URL(url, base);
    } catch {
      throw new InputError([
        { file: 'arguments', field: '--base', message: `"${base}" is not an absolute URL` },
      ]);
    }
  } else if (absolute) server = absolute;
  else
    throw problem(
      field,
      field === 'servers'
        ? 'the document names no server: give --base http://HOST:PORT'
        : `"${url}" is a relative URL: give --base http://HOST:PORT to resolve it against`,
    );
  if (server.protocol !== 'http:' && server.protocol !== 'https:')
    throw base !== undefined
      ? new InputError([
          { file: 'arguments', field: '--base', message: `"${base}" is not an http or https URL` },
        ])
      : problem(field, `"${url}" is not an http or https URL: give --base`);
  server.search = '';
  server.hash = '';
  return server;
}

/** A path's header parameters (path-level and every operation's), first spelling kept. */
export function headerParametersOf(item: PathItem): string[] {
  const names = new Map<string, string>();
  const all = [...(item.parameters ?? []), ...OPERATIONS.flatMap((op) => item[op]?.parameters ?? [])];
  for (const p of all)
    if (p.in === 'header' && !IGNORED_HEADER_PARAMETERS.has(p.name.toLowerCase()))
      if (!names.has(p.name.toLowerCase())) names.set(p.name.toLowerCase(), p.name);
  return [...names.values()];
}

/** Reads and validates the document: an unreadable or invalid one is an InputError naming the file. */
async function readDocument(file: string): Promise<Document> {
  const fail = (message: string) => new InputError([{ file, field: '(file)', message }]);
  let doc: Document;
  try {
    const result = await validate(file);
    if (!result.valid) {
      // The parser shows where in the document as it reprints it in JSON, not in the file's own lines.
      throw fail(
        `${compileErrors(result).trim()}\n(the excerpt is the document as the parser reprints it in JSON)`,
      );
    }
    doc = (await dereference(file)) as Document;
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw fail((error as Error).message.trim());
  }
  if (typeof doc.openapi !== 'string' || !doc.openapi.startsWith('3.'))
    throw new InputError([
      {
        file,
        field: doc.swagger ? 'swagger' : 'openapi',
        message: `is "${doc.swagger ?? doc.openapi}": give an OpenAPI 3.0 or 3.1 document (convert a Swagger 2.0 one first)`,
      },
    ]);
  return doc;
}

/** The zod problems of an extension, named by their place in the document. */
function extensionProblems(file: string, prefix: Array<string | number>, error: z.ZodError): Problem[] {
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({
          file,
          field: fieldPath([...prefix, ...issue.path, key]),
          message: `is not a field of ${String(prefix.at(-1))} (${Object.keys(AwsCors.shape).join(', ')})`,
        }))
      : [{ file, field: fieldPath([...prefix, ...issue.path]), message: issue.message }],
  );
}

/** What the import knows of a path's security: the policy fields and the schemes it used. */
interface SecurityOfPath {
  fields: Record<string, unknown>;
  schemes: string[];
  /** The scheme `apiKeyHeader` comes from. */
  apiKeyScheme?: string;
}

/**
 * The security of a path: each operation's `security`, else the document's, its first alternative (the
 * suite sends one credential). An `apiKey` in a header sets `apiKeyHeader`; an `http` bearer, `oauth2`
 * or `openIdConnect` scheme sets `bearerTokenEnv`.
 */
function securityOf(doc: Document, item: PathItem): SecurityOfPath {
  const schemes = new Set<string>();
  for (const op of OPERATIONS) {
    const operation = item[op];
    if (!operation || op === 'options') continue;
    const requirement = (operation.security ?? doc.security ?? [])[0] ?? {};
    for (const name of Object.keys(requirement)) schemes.add(name);
  }
  const fields: Record<string, unknown> = {};
  let apiKeyScheme: string | undefined;
  for (const name of schemes) {
    const scheme = doc.components?.securitySchemes?.[name];
    if (!scheme) continue;
    if (scheme.type === 'apiKey' && scheme.in === 'header' && scheme.name && apiKeyScheme === undefined) {
      fields.apiKeyHeader = scheme.name;
      apiKeyScheme = name;
    }
    if (
      (scheme.type === 'http' && scheme.scheme?.toLowerCase() === 'bearer') ||
      scheme.type === 'oauth2' ||
      scheme.type === 'openIdConnect'
    )
      fields.bearerTokenEnv = BEARER_TOKEN_ENV;
  }
  return { fields, schemes: [...schemes], ...(apiKeyScheme && { apiKeyScheme }) };
}

/** The policy's fields in the order policy.ts declares them, as a reader looks for them. */
function inFieldOrder(policy: Record<string, unknown>): Record<string, unknown> {
  const order = Object.keys(PolicyModel.shape);
  return Object.fromEntries(Object.entries(policy).sort(([a], [b]) => order.indexOf(a) - order.indexOf(b)));
}

/** The note for a security scheme the targets use. */
function schemeNote(
  name: string,
  scheme: SecurityScheme | undefined,
  targets: string[],
  used: boolean,
): string {
  const who = `security scheme "${name}" (${targets.join(', ')})`;
  if (!scheme) return `${who}: not in components.securitySchemes`;
  if (scheme.type === 'apiKey' && scheme.in === 'header')
    return used
      ? `${who}: the API key goes in ${scheme.name}; set API_KEY (or the policy's apiKey) to a key before running`
      : `${who}: an API key in ${scheme.name}, but the targets already send one in another header; the suite sends one key`;
  if (scheme.type === 'apiKey')
    return `${who}: the key goes in the ${scheme.in} "${scheme.name}", and the suite sends keys in headers only: the targets are called without it`;
  if (scheme.type === 'http' && scheme.scheme?.toLowerCase() === 'bearer')
    return `${who}: a bearer token; set ${BEARER_TOKEN_ENV} to a token before running`;
  if (scheme.type === 'oauth2' || scheme.type === 'openIdConnect')
    return `${who}: ${scheme.type}, sent as a bearer token; set ${BEARER_TOKEN_ENV} to a token from its flow before running`;
  return `${who}: ${scheme.type}${scheme.scheme ? ` ${scheme.scheme}` : ''} is not a credential the suite sends (an API key in a header, or a bearer token): the targets are called without it`;
}

/** A targets file from the OpenAPI document `file`; see the module's comment. */
export async function targetsFromOpenApi(
  file: string,
  options: OpenApiOptions = {},
): Promise<OpenApiTargets> {
  const doc = await readDocument(file);
  const server = serverOf(doc, file, options.base);
  const notes: string[] = [];
  const problems: Problem[] = [];

  let documentCors: CorsFields | undefined;
  if (doc['x-amazon-apigateway-cors'] !== undefined) {
    const parsed = AwsCors.safeParse(doc['x-amazon-apigateway-cors']);
    if (!parsed.success)
      problems.push(...extensionProblems(file, ['x-amazon-apigateway-cors'], parsed.error));
    else documentCors = fieldsOfAwsCors(parsed.data);
  }
  /** Where in the document each policy field of a target comes from, as problems name it. */
  const awsSources = Object.fromEntries(
    Object.entries(AWS_FIELDS).map(([field, aws]) => [field, `x-amazon-apigateway-cors.${aws}`]),
  );

  const taken = new Set<string>();
  const targets: Array<{ name: string; url: string; policy: Record<string, unknown> }> = [];
  const sources: Array<Record<string, string>> = [];
  const schemeUse = new Map<string, { targets: string[]; used: boolean }>();
  const paths = Object.entries(doc.paths ?? {});
  for (const [path, item] of paths) {
    if (targets.length >= (options.limit ?? Number.POSITIVE_INFINITY)) break;
    const operations = OPERATIONS.filter((op) => item[op] !== undefined);
    if (operations.length === 0) {
      notes.push(`left out: ${path} (no operations)`);
      continue;
    }
    const name = targetNameOf(path, taken);
    const parameters = [
      ...(item.parameters ?? []),
      ...operations.flatMap((op) => item[op]?.parameters ?? []),
    ];

    // The CORS configuration: the document's (an HTTP API's), else this path's mock `options` (a REST API's).
    let cors = documentCors;
    const source: Record<string, string> = documentCors ? { ...awsSources } : {};
    const integration = item.options?.['x-amazon-apigateway-integration'];
    if (integration !== undefined) {
      const at = ['paths', path, 'options', 'x-amazon-apigateway-integration'];
      const parsed = AwsIntegration.safeParse(integration);
      if (!parsed.success) problems.push(...extensionProblems(file, at, parsed.error));
      else {
        const answer = parsed.data.responses?.default;
        const read = fieldsOfRestIntegration(answer?.responseParameters ?? {}, answer?.statusCode);
        if (documentCors && Object.keys(read.fields).length > 0)
          notes.push(
            `${name}: the options integration's CORS headers are not read: x-amazon-apigateway-cors answers preflights`,
          );
        else if (Object.keys(read.fields).length > 0) {
          cors = read.fields;
          const where = fieldPath([...at, 'responses', 'default']);
          for (const field of Object.keys(read.fields))
            source[field] = `${where}${field === 'preflightStatus' ? '.statusCode' : '.responseParameters'}`;
        }
        if (read.unread.length > 0 && !documentCors)
          notes.push(
            `${name}: not read from ${fieldPath([...at, 'responses', 'default', 'responseParameters'])}: ${read.unread.join(', ')} (not a static value)`,
          );
      }
    }

    const methods = operations.map((op) => op.toUpperCase());
    if (documentCors && !methods.includes('OPTIONS')) methods.push('OPTIONS');

    const policy: Record<string, unknown> = { ...(cors ?? {}) };
    const headers = headerParametersOf(item);
    if (headers.length > 0) {
      const list = headers.join(', ');
      if (!cors)
        notes.push(`${name}: header parameters ${list}: the document states no CORS configuration for them`);
      else if (cors.allowHeaders === undefined) {
        policy.allowHeaders = headers;
        source.allowHeaders = `the header parameters of ${fieldPath(['paths', path])}`;
      } else {
        const allowed = Array.isArray(cors.allowHeaders) ? (cors.allowHeaders as string[]) : [];
        const wildcard = allowed.includes('*');
        const missing = headers.filter(
          (h) => !wildcard && !allowed.some((a) => a.toLowerCase() === h.toLowerCase()),
        );
        if (missing.length > 0)
          notes.push(
            `${name}: header parameters ${missing.join(', ')} are not in the CORS configuration's allowHeaders: a page cannot send them`,
          );
      }
    }

    const security = securityOf(doc, item);
    Object.assign(policy, security.fields, { methods });
    source.methods = `the operations of ${fieldPath(['paths', path])}`;
    if (security.apiKeyScheme)
      source.apiKeyHeader = fieldPath(['components', 'securitySchemes', security.apiKeyScheme, 'name']);
    for (const scheme of security.schemes) {
      const use = schemeUse.get(scheme) ?? { targets: [], used: false };
      use.targets.push(name);
      if (security.apiKeyScheme === scheme) use.used = true;
      schemeUse.set(scheme, use);
    }
    targets.push({ name, url: urlOf(server, path, parameters), policy: inFieldOrder(policy) });
    sources.push(source);
  }
  for (const [scheme, use] of schemeUse)
    notes.push(schemeNote(scheme, doc.components?.securitySchemes?.[scheme], use.targets, use.used));

  if (problems.length > 0) throw new InputError(problems);
  if (targets.length === 0)
    throw new InputError([
      { file, field: 'paths', message: 'has no path with an operation: no target to write' },
    ]);

  // Each target's policy, over the defaults, must be one the suite reads: else say where it went wrong.
  const defaults = options.defaults ?? {};
  targets.forEach((target, i) => {
    const checked = check(file, { ...defaults, ...target.policy }, Policy);
    if (checked.ok) return;
    for (const p of checked.problems) {
      const key = p.field.split(/[.[]/)[0] ?? '';
      const fromDefaults = key in defaults && !(key in target.policy);
      const from = fromDefaults ? undefined : sources[i]?.[key];
      problems.push({
        file: fromDefaults ? (options.defaultsFile ?? 'defaults') : p.file,
        field: `${p.field} (for targets[${i}] "${target.name}"${from ? `, from ${from}` : ''})`,
        message: p.message,
      });
    }
  });
  if (problems.length > 0) throw new InputError(problems);

  const targetsFile: z.input<typeof TargetsFile> = { targets };
  if (Object.keys(defaults).length > 0) targetsFile.defaults = { policy: defaults };
  return { targetsFile, notes };
}
