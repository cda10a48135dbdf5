import { getHeader, type HeaderList } from '../fetch-standard/rules.ts';
import type { WireExchange } from '../wire/exchange.ts';

/**
 * The misconfigurations CORS scanners (Corsy, CORScanner, CORStest) look for, named from what the
 * server actually answered a real engine: a pure reading of the wire against the origins the server
 * is meant to allow (the realm's list, or the owner's policy).
 */
export type Flaw =
  | 'origin reflection'
  | 'null origin trusted'
  | 'prefix matching'
  | 'suffix matching'
  | 'substring matching'
  | 'unescaped-dot regex'
  | 'http origin trusted by an https API'
  | 'any subdomain trusted'
  | 'wildcard with credentials'
  | 'comma list in Allow-Origin'
  | 'missing Vary: Origin';

/**
 * How much a finding grants. `failure`: a hostile page reads what it must not (credentialed reads by an
 * origin the owner did not allow); it fails the test even when the verdict met the expectation.
 * `warning`: a misconfiguration that grants little or breaks pages (a non-credentialed look-alike, a
 * wildcard the engines refuse with credentials, a missing Vary). `info`: worth knowing, grants nothing
 * `*` would not (reflection or `null` without credentials).
 */
export type Severity = 'failure' | 'warning' | 'info';

export interface Finding {
  flaw: Flaw;
  severity: Severity;
  evidence: string;
}

/** A finding as reports print it: `FLAW: origin reflection (failure): evidence`. */
export const describeFinding = (f: Finding): string => `FLAW: ${f.flaw} (${f.severity}): ${f.evidence}`;

/**
 * The host of the hostile origins the suite calls from (`https://evil.example`, and the look-alikes
 * built on it): no list an owner writes can hold them, so one echoed back is reflection, not intent.
 */
export const HOSTILE_HOST = 'evil.example';

/** Whether `origin` is one of the suite's hostile probes (its host is, or ends in, evil.example). */
export function isHostileProbe(origin: string): boolean {
  const host = parse(origin)?.hostname;
  return host !== undefined && (host === HOSTILE_HOST || host.endsWith(`.${HOSTILE_HOST}`));
}

/**
 * What the server is meant to allow, to judge an echoed origin against: the exact origins listed
 * (look-alikes are named against them), and whether an origin is meant to be let in at all
 * (patterns and regexes included). `*` and `reflect` mean any origin is meant.
 */
export interface OriginIntent {
  listed: string[];
  allows(origin: string): boolean;
}

/** The intent of a plain origin list, `*` or none. */
export function intentOf(allowed: string[] | '*' | null): OriginIntent {
  if (allowed === '*') return { listed: [], allows: () => true };
  const listed = allowed ?? [];
  return { listed, allows: (origin) => listed.includes(origin) };
}

const parse = (origin: string): URL | null => {
  try {
    return new URL(origin);
  } catch {
    return null;
  }
};

/** Why an origin that is not on the list was echoed: the naive match that lets it in. */
export function lookalike(origin: string, listed: string): Flaw | null {
  const o = parse(origin);
  const l = parse(listed);
  if (!o || !l) return null;
  if (o.host === l.host && o.protocol !== l.protocol) return 'http origin trusted by an https API';
  if (o.protocol === l.protocol && o.host.endsWith(`.${l.host}`)) return 'any subdomain trusted';
  if (origin.startsWith(listed)) return 'prefix matching';
  if (origin.endsWith(l.host)) return 'suffix matching';
  if (origin.includes(l.host)) return 'substring matching';
  if (new RegExp(`^${listed}$`).test(origin)) return 'unescaped-dot regex';
  return null;
}

/**
 * The flaws the wire shows, each named from evidence: `origin reflection` only for an origin no list
 * could hold (a hostile probe) echoed back; a look-alike of a listed origin by the naive match that
 * lets it in; an echoed origin the intent does not allow and that is neither is a policy mismatch,
 * not a flaw (see `mismatches`). Credentials raise the severity: they are what makes a read harmful.
 */
export function diagnose(wire: WireExchange[], allowed: OriginIntent | string[] | '*' | null): Finding[] {
  const intent =
    allowed !== null && typeof allowed === 'object' && 'allows' in allowed ? allowed : intentOf(allowed);
  const findings: Finding[] = [];
  const add = (finding: Finding) => {
    const same = findings.findIndex((f) => f.flaw === finding.flaw);
    if (same === -1) findings.push(finding);
    else if (finding.severity === 'failure') findings[same] = finding;
  };
  for (const exchange of wire) {
    if (exchange.status === null) continue;
    const response = exchange.responseHeaders as HeaderList;
    const origin = getHeader(exchange.requestHeaders as HeaderList, 'origin');
    const allowOrigin = getHeader(response, 'access-control-allow-origin');
    if (allowOrigin === null || origin === null) continue;
    const credentials = getHeader(response, 'access-control-allow-credentials') === 'true';
    const where = `${exchange.method} answered Access-Control-Allow-Origin \`${allowOrigin}\`${credentials ? ' with Access-Control-Allow-Credentials: true' : ''}`;
    const grants = credentials ? 'failure' : 'info';
    if (allowOrigin === '*' && credentials) {
      add({
        flaw: 'wildcard with credentials',
        severity: 'warning',
        evidence: `${where}: the engines refuse every credentialed read of it`,
      });
    }
    if (allowOrigin.includes(','))
      add({
        flaw: 'comma list in Allow-Origin',
        severity: 'warning',
        evidence: `${where}: a list, where one origin is allowed`,
      });
    if (allowOrigin !== origin) continue;
    if (origin === 'null') {
      add({
        flaw: 'null origin trusted',
        severity: grants,
        evidence: `${where} to a request with \`Origin: null\` (any sandboxed page or data: URL sends it)`,
      });
    } else if (isHostileProbe(origin) || !intent.allows(origin)) {
      const naive = intent.listed.map((listed) => lookalike(origin, listed)).find((f) => f !== null);
      if (naive) {
        add({
          flaw: naive,
          severity: credentials ? 'failure' : 'warning',
          evidence: `${where}, a look-alike of ${intent.listed.join(', ')} an attacker can register`,
        });
      } else if (isHostileProbe(origin)) {
        add({
          flaw: 'origin reflection',
          severity: grants,
          evidence: `${where}, a hostile origin no list holds`,
        });
      }
    }
    const vary = (getHeader(response, 'vary') ?? '').split(',').map((v) => v.trim().toLowerCase());
    if (!vary.includes('origin') && !vary.includes('*')) {
      add({
        flaw: 'missing Vary: Origin',
        severity: 'warning',
        evidence: `${where}, echoing the request's Origin, without \`Vary: Origin\` (a shared cache may serve it to another origin)`,
      });
    }
  }
  return findings;
}

/**
 * Origins the server let in that the intent does not hold and that are no look-alike or hostile
 * probe: the policy and the server disagree (a typo in the policy, say). Not a flaw: a mismatch.
 */
export function mismatches(wire: WireExchange[], intent: OriginIntent): string[] {
  const found = new Set<string>();
  for (const exchange of wire) {
    const origin = getHeader(exchange.requestHeaders as HeaderList, 'origin');
    const allowOrigin = getHeader(exchange.responseHeaders as HeaderList, 'access-control-allow-origin');
    if (origin === null || origin === 'null' || allowOrigin !== origin) continue;
    if (isHostileProbe(origin) || intent.allows(origin)) continue;
    if (intent.listed.some((listed) => lookalike(origin, listed) !== null)) continue;
    found.add(origin);
  }
  return [...found];
}
