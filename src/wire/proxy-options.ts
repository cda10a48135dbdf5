import { isLoopbackHost } from '../fetch-standard/rules.ts';
import {
  type Inputs,
  pageOriginsOf,
  REFERENCE_ALT_API_HOST,
  REFERENCE_API_HOST,
  REFERENCE_TEST_API_HOST,
  SANDBOXED_PAGE_ORIGIN,
} from '../input/inputs.ts';
import type { ProxyOptions, Upstream } from './recording-proxy.ts';

/**
 * The endpoint as the engines reach it: as given; and, for an http loopback endpoint, its https alias
 * (same host and port, forwarded over http with Host unchanged) for WebKit's https pages (usesHttpsAlias).
 */
function endpointUpstreams(url: URL): Upstream[] {
  if (url.protocol !== 'http:' || !isLoopbackHost(url.hostname)) return [{ host: url.host }];
  return [
    { host: url.host, askedOver: 'http' },
    { host: url.host, askedOver: 'https', forwardTo: { host: url.host, protocol: 'http' } },
  ];
}

/** One upstream per host and scheme asked over: endpoints of one server share it. */
function uniqueUpstreams(upstreams: Upstream[]): Upstream[] {
  const byKey = new Map(upstreams.map((u) => [`${u.host} ${u.askedOver ?? ''}`, u]));
  return [...byKey.values()];
}

/** The test pages a run's proxy serves: every page origin the run uses, and the sandboxed one. */
export function testPagesOf(inputs: Inputs): Pick<ProxyOptions, 'pageOrigins' | 'sandboxedPageOrigins'> {
  return { pageOrigins: pageOriginsOf(inputs), sandboxedPageOrigins: [SANDBOXED_PAGE_ORIGIN] };
}

/**
 * A run's recording proxy: the test page at every page origin the run uses (and the sandboxed one),
 * and the endpoints' hosts passed through; in reference mode, the reference API hosts (production, the
 * redirects' second origin, the test environment) forwarded to
 * the bundled server at `referenceServer` (host:port, plain http).
 */
export function proxyOptionsOf(inputs: Inputs, referenceServer: string | null): ProxyOptions {
  const server = { host: referenceServer ?? 'invalid', protocol: 'http' as const };
  return {
    ...testPagesOf(inputs),
    upstreams:
      inputs.endpoints.length > 0
        ? uniqueUpstreams(inputs.endpoints.flatMap((e) => endpointUpstreams(e.url)))
        : [REFERENCE_API_HOST, REFERENCE_ALT_API_HOST, REFERENCE_TEST_API_HOST].map((host) => ({
            host,
            forwardTo: server,
          })),
  };
}
