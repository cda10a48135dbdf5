import { CATALOGUE_DIR, type Catalogue, loadCatalogue } from '../../scenarios/load.ts';
import { loadRealm } from '../../server/realm.ts';
import type { RealmConfig } from '../../server/realm-schema.ts';

/**
 * Everything a run reads, resolved from the environment in one place (config and specs agree):
 * REALM_CONFIG (a realm JSON file) and SCENARIOS_DIR (a catalogue directory).
 */
export interface Inputs {
  realm: RealmConfig;
  catalogue: Catalogue;
}

let cached: Inputs | undefined;

export function loadInputs(): Inputs {
  if (!cached) {
    const realm = loadRealm(process.env.REALM_CONFIG || undefined);
    cached = { realm, catalogue: loadCatalogue(realm, process.env.SCENARIOS_DIR || CATALOGUE_DIR) };
  }
  return cached;
}
