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

export interface Finding {
  flaw: Flaw;
  evidence: string;
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

export function diagnose(wire: WireExchange[], allowed: string[] | '*' | null): Finding[] {
  const findings: Finding[] = [];
  const add = (finding: Finding) => {
    if (!findings.some((f) => f.flaw === finding.flaw)) findings.push(finding);
  };
  for (const exchange of wire) {
    if (exchange.status === null) continue;
    const response = exchange.responseHeaders as HeaderList;
    const origin = getHeader(exchange.requestHeaders as HeaderList, 'origin');
    const allowOrigin = getHeader(response, 'access-control-allow-origin');
    const where = `${exchange.method} answered Access-Control-Allow-Origin \`${allowOrigin}\``;
    if (allowOrigin === null || origin === null) continue;
    if (allowOrigin === '*' && getHeader(response, 'access-control-allow-credentials') === 'true') {
      add({
        flaw: 'wildcard with credentials',
        evidence: `${where} with Access-Control-Allow-Credentials: true`,
      });
    }
    if (allowOrigin.includes(','))
      add({ flaw: 'comma list in Allow-Origin', evidence: `${where}: a list, where one origin is allowed` });
    if (allowOrigin !== origin) continue;
    if (origin === 'null') {
      add({
        flaw: 'null origin trusted',
        evidence: `${where} to a request with \`Origin: null\` (sandboxed pages, data: URLs)`,
      });
    } else if (Array.isArray(allowed) && !allowed.includes(origin)) {
      const naive = allowed.map((listed) => lookalike(origin, listed)).find((f) => f !== null);
      add({
        flaw: naive ?? 'origin reflection',
        evidence: `${where}, an origin its list (${allowed.join(', ')}) does not hold`,
      });
    }
    const vary = (getHeader(response, 'vary') ?? '').split(',').map((v) => v.trim().toLowerCase());
    if (!vary.includes('origin') && !vary.includes('*')) {
      add({
        flaw: 'missing Vary: Origin',
        evidence: `${where}, echoing the request's Origin, without \`Vary: Origin\``,
      });
    }
  }
  return findings;
}
