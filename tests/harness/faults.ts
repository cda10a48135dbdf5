import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { generateCACertificate } from 'mockttp';
import { freePort } from '../engines/processes.ts';
import type { Upstream } from './recording-proxy.ts';

/**
 * Servers that fail in every way that is not CORS, each behind a host name the recording proxy
 * forwards, for the harness self-checks: none of them may ever read as "blocked by CORS".
 */
export interface Faults {
  upstreams: Upstream[];
  /** URL per fault, at the host name the engines ask for. */
  urls: Record<'connectionRefused' | 'unknownHost' | 'tls' | 'gateway' | 'hang' | 'notUnderTest', string>;
  close(): Promise<void>;
}

const listen = (server: Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, 'localhost', () => resolve((server.address() as AddressInfo).port)),
  );

export async function startFaults(): Promise<Faults> {
  const closedPort = await freePort();
  const selfSigned = await generateCACertificate({ subject: { commonName: 'tls.example.test' } });
  const tls = createHttpsServer({ key: selfSigned.key, cert: selfSigned.cert }, (_req, res) =>
    res.end('never reached'),
  );
  const gateway = createHttpServer((_req, res) =>
    res.writeHead(502, { 'content-type': 'text/plain' }).end('Bad Gateway'),
  );
  const hang = createHttpServer(() => {
    // accepts, never answers
  });
  const [tlsPort, gatewayPort, hangPort] = await Promise.all([listen(tls), listen(gateway), listen(hang)]);
  const to = (port: number, protocol: 'http' | 'https' = 'http') => ({ host: `localhost:${port}`, protocol });
  return {
    upstreams: [
      { host: 'down.example.test', forwardTo: to(closedPort) },
      { host: 'no-such-host.invalid' },
      { host: 'tls.example.test', forwardTo: to(tlsPort, 'https') },
      { host: 'gateway.example.test', forwardTo: to(gatewayPort) },
      { host: 'hang.example.test', forwardTo: to(hangPort) },
    ],
    urls: {
      connectionRefused: 'https://down.example.test/api',
      unknownHost: 'https://no-such-host.invalid/api',
      tls: 'https://tls.example.test/api',
      gateway: 'https://gateway.example.test/api',
      hang: 'https://hang.example.test/api',
      notUnderTest: 'https://elsewhere.example.test/api',
    },
    async close() {
      hang.closeAllConnections();
      await Promise.all([tls, gateway, hang].map((s) => new Promise((r) => s.close(r))));
    },
  };
}
