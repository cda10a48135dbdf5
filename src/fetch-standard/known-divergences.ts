import type { Backend, EngineName } from '../engines/session.ts';
import type { ExpectedOutcome } from '../outcome/outcome.ts';
import type { OracleRequest } from './oracle.ts';
import { isLoopbackHost, pageScheme } from './rules.ts';

/**
 * Where an engine is known to depart from the Fetch standard for a whole class of requests (what
 * web-platform-tests keeps in per-engine expectation files). The test then expects what the engine
 * does, so a change in the engine still fails it, and the report marks it as a divergence.
 * Divergences that concern one scenario live in that scenario's record (`divergences`).
 */
export interface KnownDivergence {
  id: string;
  engine: EngineName;
  /** The backends it was seen on; others are not assumed to share it. */
  backends: Backend['kind'][];
  note: string;
  applies(request: OracleRequest): boolean;
  behaviour: ExpectedOutcome;
}

export const KNOWN_DIVERGENCES: KnownDivergence[] = [
  {
    id: 'webkit-mixed-content-loopback',
    engine: 'webkit',
    backends: ['webkitgtk-webdriver'],
    note:
      'WebKitGTK 2.50 blocks an https page fetching http://localhost (or 127.0.0.1) as mixed content and sends nothing; ' +
      'Mixed Content exempts loopback as potentially trustworthy, and Chromium and Firefox send the request',
    applies: (request) => {
      const url = new URL(request.url);
      return (
        pageScheme(request.origin) === 'https:' && url.protocol === 'http:' && isLoopbackHost(url.hostname)
      );
    },
    behaviour: { verdict: 'blocked', stage: 'before-request' },
  },
];

export function knownDivergence(
  engine: EngineName,
  backend: Backend['kind'],
  request: OracleRequest,
): KnownDivergence | null {
  return (
    KNOWN_DIVERGENCES.find(
      (d) => d.engine === engine && d.backends.includes(backend) && d.applies(request),
    ) ?? null
  );
}
