import type { OracleRequest } from '../../src/fetch-standard/oracle.ts';

/** The page origin of the unit tests' requests. */
export const ORIGIN = 'https://app.example.test';

/** A simple GET from ORIGIN to the reference API, with `over` changed. */
export const request = (over: Partial<OracleRequest> = {}): OracleRequest => ({
  url: 'https://api.example.test/orders',
  method: 'GET',
  headers: [],
  credentials: 'same-origin',
  origin: ORIGIN,
  ...over,
});
