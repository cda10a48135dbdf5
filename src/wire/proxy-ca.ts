import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';

/** A file holding the run's proxy CA, written once by the main process (src/report/global-setup.ts). */
export const PROXY_CA_ENV = 'CORS_CONFORMANCE_PROXY_CA';

type Ca = { key: string; cert: string };
let processCa: Promise<Ca> | undefined;

const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

/**
 * A CA for mockttp (which signs its per-host certificates with an EC CA key as well as an RSA one).
 * An ECDSA P-256 key, made in 20 ms: mockttp's own generateCACertificate makes an RSA key, 0.3 to
 * 0.5 s of every run's start here, before any worker could start.
 */
async function generateCa(): Promise<Ca> {
  // Loaded here: workers read the run's CA and never make one (0.1 s of each worker's start).
  const x509 = await import('@peculiar/x509');
  const keys = await crypto.subtle.generateKey(EC_P256, true, ['sign', 'verify']);
  const day = 24 * 60 * 60 * 1000;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(8).toString('hex'),
    name: 'CN=cors-conformance recording proxy CA',
    // From yesterday, as mockttp's own: a clock slightly off does not make it "not yet valid".
    notBefore: new Date(Date.now() - day),
    notAfter: new Date(Date.now() + 30 * day),
    keys,
    signingAlgorithm: EC_P256,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return {
    key: x509.PemConverter.encode(await crypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY'),
    cert: cert.toString('pem'),
  };
}

/**
 * The CA the proxy signs its certificates with: the run's (PROXY_CA_ENV), else one of this process's
 * own. Engines accept the proxy's certificates through ignoreHTTPSErrors / acceptInsecureCerts, never
 * by trusting this CA.
 */
export function proxyCa(): Promise<Ca> {
  const file = process.env[PROXY_CA_ENV];
  if (file) {
    try {
      return Promise.resolve(JSON.parse(readFileSync(file, 'utf8')) as Ca);
    } catch {
      // gone or unreadable: one of this process's own
    }
  }
  processCa ??= generateCa();
  return processCa;
}

/** Writes a CA for the run's workers to `file` and names it in PROXY_CA_ENV (inherited by workers). */
export async function writeRunCa(file: string): Promise<void> {
  writeFileSync(file, JSON.stringify(await generateCa()), { mode: 0o600 });
  process.env[PROXY_CA_ENV] = file;
}
