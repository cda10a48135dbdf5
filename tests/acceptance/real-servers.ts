import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import cors from 'cors';
import express, { type RequestHandler } from 'express';
import { Hono } from 'hono';
import { cors as honoCors } from 'hono/cors';
import { freePort, killGroup, spawnGroup } from '../../src/engines/processes.ts';

/**
 * Real third-party CORS implementations on localhost, for acceptance tests: each is configured from
 * one neutral description and answers as that implementation does natively, so a test can compare
 * what the suite says with what a real server does.
 */

/** One CORS configuration, in no implementation's terms. */
export interface CorsConfig {
  /** The exact origins allowed, e.g. `http://app.example.test`. */
  origins: string[];
  /** Access-Control-Allow-Methods, and the methods /api/orders serves (OPTIONS aside). */
  methods: string[];
  /** Access-Control-Allow-Headers. */
  headers: string[];
  /** Access-Control-Expose-Headers. */
  exposeHeaders: string[];
  credentials: boolean;
}

export interface RunningServer {
  name: string;
  /** The full endpoint URL, e.g. http://localhost:PORT/api/orders. */
  url: string;
  /** The implementation and its version, as found: `nginx/1.22.1`, `Flask-CORS 3.0.10`... */
  version: string;
  stop(): Promise<void>;
}

export type RealServerKind =
  | 'nginx'
  | 'express-cors'
  | 'hono'
  | 'flask-cors-explicit'
  | 'flask-cors-defaults';
export const REAL_SERVER_KINDS: readonly RealServerKind[] = [
  'nginx',
  'express-cors',
  'hono',
  'flask-cors-explicit',
  'flask-cors-defaults',
];

/** The endpoint every server serves. */
export const ENDPOINT_PATH = '/api/orders';
/** The answer's body, and headers: X-Request-Id is exposed when configured, X-Internal never is. */
const BODY = { ok: true };
const ANSWER_HEADERS = { 'X-Request-Id': 'r-1', 'X-Internal': 'secret-ish' } as const;
const START_TIMEOUT_MS = 15_000;

/**
 * What each implementation does with a configuration, observed with curl against the versions
 * installed here (nginx 1.22.1, cors 2.8.6 on Express 5.3.0, Hono 4.13.19, Debian's Flask-CORS
 * 3.0.10 on Flask 2.2.2), for the configuration at hand and for variations of it (one origin, no
 * headers, no credentials). Expectations about a real server come from here, never from what the
 * configuration alone would suggest. "ACAO" etc. are the Access-Control-Allow-Origin... headers.
 */
export interface ServerFacts {
  /** The status of an answered preflight (OPTIONS with Origin and Access-Control-Request-Method). */
  preflightStatus: 200 | 204;
  /** Whether any OPTIONS, Access-Control-Request-Method or not, gets ACAM/ACAH. */
  preflightIgnoresRequestedMethod: boolean;
  /**
   * When answers to a listed origin carry `Vary: Origin` (preflight and actual): always, or only
   * when more than one origin is configured (with one, nothing at all).
   */
  varyOrigin: 'always' | 'several-origins';
  /** Whether any Origin is echoed in ACAO, listed or not (`null` too). */
  echoesAnyOrigin: boolean;
  /** Whether a listed origin matches in any letter case (then echoed as sent: `HTTP://APP...`). */
  originIgnoresCase: boolean;
  /** ACAO on a request without Origin: none, the first listed origin (sorted), or `*`. */
  acaoWithoutOrigin: 'none' | 'first-origin' | '*';
  /**
   * ACAH on a preflight: the configured list as written, or the requested headers that are in the
   * list (as requested, sorted: an unlisted one is left out), or every requested header.
   */
  allowHeaders: 'configured' | 'requested-in-list' | 'requested';
  /** Whether an EMPTY config.headers makes it echo the requested headers (else: no ACAH). */
  echoesRequestedHeadersWhenNoneConfigured: boolean;
  /** Whether an unlisted origin still gets ACAC: true (and ACEH), without ACAO. */
  credentialsForUnlistedOrigin: boolean;
  /** Whether a preflight answer carries ACEH too. */
  exposeHeadersOnPreflight: boolean;
  /** Whether HEAD is answered 200 when GET is served but HEAD is not in config.methods. */
  headWithGet: boolean;
  /** The status of a method /api/orders does not serve. */
  unservedStatus: 404 | 405;
  /** Whether that answer carries the CORS headers of an actual answer (ACAO for a listed origin...). */
  corsOnUnserved: boolean;
}

const EXPRESS_CORS_FACTS: ServerFacts = {
  preflightStatus: 204,
  preflightIgnoresRequestedMethod: true,
  varyOrigin: 'always',
  echoesAnyOrigin: false,
  originIgnoresCase: false,
  acaoWithoutOrigin: 'none',
  allowHeaders: 'configured',
  echoesRequestedHeadersWhenNoneConfigured: false,
  credentialsForUnlistedOrigin: true,
  exposeHeadersOnPreflight: true,
  headWithGet: true,
  unservedStatus: 404,
  corsOnUnserved: true,
};

export const REAL_SERVER_FACTS: Record<RealServerKind, ServerFacts> = {
  /**
   * nginx 1.22.1 (Debian), with the configuration nginxConf writes. Preflight (any OPTIONS) 204 with
   * ACAO (listed origin only), Vary: Origin, ACAC, and ACAM/ACAH exactly as configured (`, `-joined,
   * whatever was requested); no ACEH. Actual answers: ACAO, Vary, ACAC, ACEH. An unlisted origin gets
   * no ACAO but the static ACAC and ACEH still. `map` matches strings case-insensitively:
   * `Origin: HTTP://APP.EXAMPLE.TEST` is echoed as sent. Only config.methods are served (HEAD too
   * only when listed); any other method is 404 with the actual answer's CORS headers (this module's
   * choice, as a CORS layer in front of the routes would).
   */
  nginx: {
    preflightStatus: 204,
    preflightIgnoresRequestedMethod: true,
    varyOrigin: 'always',
    echoesAnyOrigin: false,
    originIgnoresCase: true,
    acaoWithoutOrigin: 'none',
    allowHeaders: 'configured',
    echoesRequestedHeadersWhenNoneConfigured: false,
    credentialsForUnlistedOrigin: true,
    exposeHeadersOnPreflight: false,
    headWithGet: false,
    unservedStatus: 404,
    corsOnUnserved: true,
  },
  /**
   * Express 5 with cors 2.8: every OPTIONS is a preflight, answered 204 (Content-Length: 0) before
   * any route, ACAM/ACAH as configured, `,`-joined without spaces. ACAO only for a listed origin
   * (exact, case-sensitive), `Vary: Origin` always; ACAC and ACEH go to every origin (and to requests
   * without Origin), ACEH on the preflight too. Unserved methods fall through to Express's 404
   * (`Cannot DELETE /api/orders`), which keeps the CORS headers; other paths alike.
   */
  'express-cors': EXPRESS_CORS_FACTS,

  /**
   * Hono 4 with hono/cors: like cors above (204, lists `,`-joined, ACAO for a listed origin only,
   * case-sensitive, ACAC and ACEH to every origin, ACEH on the preflight), but the preflight says
   * `Vary: Origin, Access-Control-Request-Headers`, and an EMPTY headers list makes ACAH echo the
   * requested headers (allowHeaders [] counts as unset). Unserved methods: Hono's text 404 with the
   * CORS headers.
   */
  hono: { ...EXPRESS_CORS_FACTS, echoesRequestedHeadersWhenNoneConfigured: true },
  /**
   * Flask with Flask-CORS (Debian's 3.0.10), configured: a preflight is Flask's automatic OPTIONS,
   * 200 with `Allow:` and an empty text/html body. ACAO for a listed origin only (any case), and for
   * an unlisted one nothing at all: no ACAC, no ACEH, no ACAM. ACAM (configured, sorted, `, `) and
   * ACAH only when Access-Control-Request-Method is one of config.methods; ACAH is the requested
   * headers that are in the list, as requested (lower case from curl/browsers), sorted; an unlisted
   * requested header is just left out. ACEH on the preflight too. `Vary: Origin` only when several
   * origins are configured. Without Origin, ACAO is the first listed origin (always_send). Unserved
   * methods: Flask's 405 (with `Allow:`), with the CORS headers; other paths 404 with them too.
   */
  'flask-cors-explicit': {
    preflightStatus: 200,
    preflightIgnoresRequestedMethod: false,
    varyOrigin: 'several-origins',
    echoesAnyOrigin: false,
    originIgnoresCase: true,
    acaoWithoutOrigin: 'first-origin',
    allowHeaders: 'requested-in-list',
    echoesRequestedHeadersWhenNoneConfigured: false,
    credentialsForUnlistedOrigin: false,
    exposeHeadersOnPreflight: true,
    headWithGet: true,
    unservedStatus: 405,
    corsOnUnserved: true,
  },
  /**
   * Flask with a bare `CORS(app)` (Debian's Flask-CORS 3.0.10), the configuration ignored: echoes ANY
   * Origin (`null` too), never `*` when there is one, with `Vary: Origin`; `*` without Origin. ACAH
   * echoes every requested header (sorted); ACAM is all seven methods, `DELETE, GET, HEAD, OPTIONS,
   * PATCH, POST, PUT`, whatever /api/orders serves; no ACAC, no ACEH. Preflight 200; unserved methods
   * 405 with the CORS headers.
   */
  'flask-cors-defaults': {
    preflightStatus: 200,
    preflightIgnoresRequestedMethod: false,
    varyOrigin: 'always',
    echoesAnyOrigin: true,
    originIgnoresCase: true,
    acaoWithoutOrigin: '*',
    allowHeaders: 'requested',
    echoesRequestedHeadersWhenNoneConfigured: true,
    credentialsForUnlistedOrigin: false,
    exposeHeadersOnPreflight: false,
    headWithGet: true,
    unservedStatus: 405,
    corsOnUnserved: true,
  },
};

/** Starts the `kind` implementation configured with `config`; resolves once it accepts connections. */
export async function startRealServer(kind: RealServerKind, config: CorsConfig): Promise<RunningServer> {
  checkConfig(config);
  switch (kind) {
    case 'nginx':
      return onAFreePort((port) => startNginx(config, port));
    case 'express-cors':
      return startExpress(config);
    case 'hono':
      return startHono(config);
    case 'flask-cors-explicit':
      return onAFreePort((port) => startFlask(kind, 'explicit', config, port));
    case 'flask-cors-defaults':
      return onAFreePort((port) => startFlask(kind, 'defaults', config, port));
    default:
      throw new Error(`unknown real server ${String(kind satisfies never)}`);
  }
}

// --- the configuration ----------------------------------------------------------------------

/** An HTTP token, without `$` (nginx would read it as a variable). */
const TOKEN = /^[!#%&'*+.^_`|~0-9A-Za-z-]+$/;
/** An origin as a browser serializes it, or `null`; nothing nginx or a shell would interpret. */
const ORIGIN = /^(null|[a-z][a-z0-9+.-]*:\/\/[A-Za-z0-9.:[\]-]+)$/;

function checkConfig(config: CorsConfig): void {
  for (const origin of config.origins)
    if (!ORIGIN.test(origin)) throw new Error(`CorsConfig: not an origin: ${JSON.stringify(origin)}`);
  for (const [list, values] of [
    ['methods', config.methods],
    ['headers', config.headers],
    ['exposeHeaders', config.exposeHeaders],
  ] as const)
    for (const value of values)
      if (!TOKEN.test(value)) throw new Error(`CorsConfig.${list}: not a token: ${JSON.stringify(value)}`);
}

/** The methods /api/orders serves: the configured ones, OPTIONS aside (it is the preflight's). */
const servedMethods = (config: CorsConfig) => [
  ...new Set(config.methods.map((m) => m.toUpperCase()).filter((m) => m !== 'OPTIONS')),
];

// --- in-process servers ------------------------------------------------------------------------

function packageVersion(name: string): string {
  const file = fileURLToPath(new URL(`../../node_modules/${name}/package.json`, import.meta.url));
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

async function listening(server: Server): Promise<number> {
  if (!server.listening)
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
  return (server.address() as AddressInfo).port;
}

function closer(server: Server): () => Promise<void> {
  return () =>
    new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    });
}

/** Express with the `cors` middleware for every path, and a route per served method. */
async function startExpress(config: CorsConfig): Promise<RunningServer> {
  const app = express();
  app.use(
    cors({
      origin: config.origins,
      methods: config.methods,
      allowedHeaders: config.headers,
      exposedHeaders: config.exposeHeaders,
      credentials: config.credentials,
    }),
  );
  const handler: RequestHandler = (_request, response) => {
    response.set(ANSWER_HEADERS).json(BODY);
  };
  const route = app.route(ENDPOINT_PATH) as unknown as Record<string, (h: RequestHandler) => unknown>;
  for (const method of servedMethods(config)) {
    const add = route[method.toLowerCase()];
    if (typeof add !== 'function') throw new Error(`express-cors: Express has no ${method} routes`);
    add.call(route, handler);
  }
  const server = app.listen(0, '127.0.0.1');
  const port = await listening(server);
  return {
    name: 'express-cors',
    url: `http://localhost:${port}${ENDPOINT_PATH}`,
    version: `express ${packageVersion('express')}, cors ${packageVersion('cors')}`,
    stop: closer(server),
  };
}

/** Hono with hono/cors on every path, served by @hono/node-server. */
async function startHono(config: CorsConfig): Promise<RunningServer> {
  const app = new Hono();
  app.use(
    '*',
    honoCors({
      origin: config.origins,
      allowMethods: config.methods,
      allowHeaders: config.headers,
      exposeHeaders: config.exposeHeaders,
      credentials: config.credentials,
    }),
  );
  const served = servedMethods(config);
  if (served.length > 0) app.on(served, ENDPOINT_PATH, (c) => c.json(BODY, 200, ANSWER_HEADERS));
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }) as Server;
  const port = await listening(server);
  return {
    name: 'hono',
    url: `http://localhost:${port}${ENDPOINT_PATH}`,
    version: `hono ${packageVersion('hono')}, @hono/node-server ${packageVersion('@hono/node-server')}`,
    stop: closer(server),
  };
}

// --- child processes -------------------------------------------------------------------------

/** A started child: its output so far (for errors) and a stop that ends its whole process group. */
interface Child {
  process: ChildProcess;
  /** What it printed (stdout and stderr, the last 20 000 characters). */
  output: () => string;
  /** Resolves when it has exited and its output is all read (or a second after it exited). */
  ended: Promise<void>;
  stop(): Promise<void>;
}

function startChild(command: string, args: string[], env: NodeJS.ProcessEnv): Child {
  const child = spawnGroup(command, args, env);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.once('error', (error) => {
    output += `\n${error.message}`;
  });
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  const exited = new Promise<void>((resolve) => {
    if (gone()) resolve();
    else child.once('exit', () => resolve());
    child.once('error', () => resolve()); // never spawned: no exit event
  });
  // 'close' comes once stdout and stderr are drained; a grandchild holding them must not stall us.
  const ended = new Promise<void>((resolve) => {
    child.once('close', () => resolve());
    void exited.then(() => setTimeout(resolve, 1_000).unref());
  });
  return {
    process: child,
    output: () => output,
    ended,
    async stop() {
      if (!gone() && child.pid !== undefined) {
        killGroup(child.pid, 'SIGTERM');
        const timer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      // Workers (nginx) may outlive a master that was killed: end the group for sure.
      killGroup(child.pid, 'SIGKILL');
    },
  };
}

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/**
 * Resolves when the child has said it is `ready` and `port` accepts connections (the line tells that
 * the port is the child's, not another process's that took it since freePort); rejects with the
 * child's output (and `hint`) if the child ends first or stays silent or closed.
 */
async function waitForPort(
  name: string,
  port: number,
  child: Child,
  ready: RegExp,
  hint: string,
): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  const failed = async (why: string) => {
    await child.stop();
    await child.ended;
    return new Error(`${name}: ${why}; ${hint}. Its output:\n${child.output() || '(none)'}`);
  };
  let spawnError = false;
  child.process.once('error', () => {
    spawnError = true;
  });
  for (;;) {
    const { exitCode, signalCode } = child.process;
    if (spawnError || exitCode !== null || signalCode !== null)
      throw await failed(`ended before listening on ${port} (${signalCode ?? `exit ${exitCode}`})`);
    if (ready.test(child.output()) && (await accepts(port))) return;
    if (Date.now() > deadline) throw await failed(`port ${port} not open within ${START_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const portTaken = (error: unknown) => String(error).includes('Address already in use');

/**
 * Runs `start` on a port freePort found; again on another when the child found it taken (another
 * process took it in between), up to three times.
 */
async function onAFreePort(start: (port: number) => Promise<RunningServer>): Promise<RunningServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePort());
    } catch (error) {
      if (attempt >= 3 || !portTaken(error)) throw error;
    }
  }
}

// --- nginx -------------------------------------------------------------------------------------

export const NGINX_BINARY = '/usr/sbin/nginx';

const quoted = (value: string) => `"${value}"`;
const escapeRegex = (value: string) => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The nginx.conf for `config`, all paths inside `dir`: exact origins through a `map`, the CORS
 * headers with `always` (so that they are on every status). A location's `if` block that has
 * add_header of its own inherits none of the location's, hence each block lists its full set.
 * Methods outside config.methods (OPTIONS aside) are answered 404, with the CORS headers of an actual
 * answer, like a server whose CORS layer sits in front of its routes.
 */
export function nginxConf(config: CorsConfig, port: number, dir: string): string {
  const origins = config.origins.map((o) => `    ${quoted(o)} $http_origin;`);
  const header = (name: string, value: string) => `add_header ${name} ${quoted(value)} always;`;
  const common = [
    'add_header Access-Control-Allow-Origin $cors_origin always;',
    header('Vary', 'Origin'),
    ...(config.credentials ? [header('Access-Control-Allow-Credentials', 'true')] : []),
  ];
  const preflight = [
    ...common,
    ...(config.methods.length > 0 ? [header('Access-Control-Allow-Methods', config.methods.join(', '))] : []),
    ...(config.headers.length > 0 ? [header('Access-Control-Allow-Headers', config.headers.join(', '))] : []),
  ];
  const actual = [
    ...common,
    ...(config.exposeHeaders.length > 0
      ? [header('Access-Control-Expose-Headers', config.exposeHeaders.join(', '))]
      : []),
  ];
  const served = servedMethods(config).map(escapeRegex).join('|');
  const indent = (lines: string[], by: string) => lines.map((l) => `${by}${l}`).join('\n');
  return `# Written by tests/acceptance/real-servers.ts
worker_processes 1;
pid ${dir}/nginx.pid;
error_log stderr notice;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  default_type application/json;
  server_tokens on;

  map $http_origin $cors_origin {
    default "";
${origins.join('\n')}
  }

  server {
    listen 127.0.0.1:${port};
    server_name localhost;

    location = ${ENDPOINT_PATH} {
      if ($request_method = OPTIONS) {
${indent(preflight, '        ')}
        return 204;
      }
      if ($request_method !~ ^(${served})$) {
${indent(actual, '        ')}
        return 404;
      }
${indent(
  [...actual, ...Object.entries(ANSWER_HEADERS).map(([name, value]) => header(name, value))],
  '      ',
)}
      return 200 '${JSON.stringify(BODY)}';
    }

    location / {
      return 404;
    }
  }
}
`;
}

async function startNginx(config: CorsConfig, port: number): Promise<RunningServer> {
  if (!existsSync(NGINX_BINARY))
    throw new Error(`nginx: ${NGINX_BINARY} is missing; npm run setup installs it (Debian's nginx)`);
  const version = spawnSync(NGINX_BINARY, ['-v'], { encoding: 'utf8' }).stderr.trim();
  const dir = mkdtempSync(join(tmpdir(), 'real-nginx-'));
  // As root, nginx's workers run as nobody: they must be able to reach the temp paths inside.
  chmodSync(dir, 0o755);
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, nginxConf(config, port, dir));
  // -e: the error log before the configuration is read (the compiled-in path may not be writable).
  const child = startChild(
    NGINX_BINARY,
    ['-p', `${dir}/`, '-c', conf, '-e', 'stderr', '-g', 'daemon off;'],
    process.env,
  );
  try {
    // At `notice`, the master logs "start worker process" once its listening socket is bound.
    await waitForPort('nginx', port, child, /start worker process/, `its configuration is ${conf}`);
  } catch (error) {
    // Else the directory stays, for the configuration the error names.
    if (portTaken(error)) rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    name: 'nginx',
    url: `http://localhost:${port}${ENDPOINT_PATH}`,
    version: version.replace(/^nginx version: /, ''),
    async stop() {
      await child.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// --- Flask-CORS ----------------------------------------------------------------------------------

const FLASK_APP = fileURLToPath(new URL('./flask_cors_app.py', import.meta.url));
/**
 * Debian's interpreter first: `apt-get install python3-flask-cors` puts Flask-CORS there, and a
 * python3 earlier on PATH (pyenv, a venv) may hold another version of it, or none.
 */
export const FLASK_PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

async function startFlask(
  name: RealServerKind,
  mode: 'explicit' | 'defaults',
  config: CorsConfig,
  port: number,
): Promise<RunningServer> {
  const child = startChild(FLASK_PYTHON, [FLASK_APP, mode, String(port)], {
    ...process.env,
    CORS_CONFIG: JSON.stringify(config),
    PYTHONUNBUFFERED: '1',
    PYTHONDONTWRITEBYTECODE: '1',
  });
  await waitForPort(
    name,
    port,
    child,
    /^flask-cors \S+ listening/m,
    `${FLASK_PYTHON} ${FLASK_APP}; npm run setup installs Flask-CORS (Debian's python3-flask-cors)`,
  );
  const version = /flask-cors (\S+)/.exec(child.output())?.[1] ?? 'unknown';
  return {
    name,
    url: `http://localhost:${port}${ENDPOINT_PATH}`,
    version: `Flask-CORS ${version}`,
    stop: child.stop,
  };
}
