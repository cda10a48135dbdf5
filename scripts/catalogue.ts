import { citationLink } from '../scenarios/schema.ts';
import { specUrl } from '../src/fetch-standard/rules.ts';
import { InputError } from '../src/input/data-file.ts';
import { loadInputs } from '../src/input/inputs.ts';

/**
 * `npm run catalogue`: the catalogue for people who want to read it (id, level, description, what it
 * cites). `-- --counts`: scenarios per area, the totals and the divergences recorded. `-- --json`: all of it.
 */
const args = new Set(process.argv.slice(2));
let catalogue: ReturnType<typeof loadInputs>['catalogue'];
try {
  catalogue = loadInputs().catalogue;
} catch (error) {
  if (!(error instanceof InputError)) throw error;
  console.error(error.message);
  process.exit(2);
}

if (args.has('--json')) {
  console.log(JSON.stringify(catalogue, null, 2));
} else if (args.has('--counts')) {
  for (const area of catalogue.areas)
    console.log(`${String(area.count).padStart(4)}  ${area.area.padEnd(20)} ${area.title}`);
  const divergences = catalogue.scenarios.flatMap((s) =>
    Object.keys(s.divergences ?? {}).map((engine) => `${s.id} (${engine})`),
  );
  console.log(
    `${String(catalogue.scenarios.length).padStart(4)}  scenarios in ${catalogue.areas.length} areas`,
  );
  console.log(
    `${String(divergences.length).padStart(4)}  engine divergences recorded: ${divergences.join(', ') || 'none'}`,
  );
} else {
  for (const scenario of catalogue.scenarios) {
    console.log(
      `${scenario.id}  [${scenario.level}${scenario.scope === 'reference' ? ', reference only' : ''}]`,
    );
    console.log(`    ${scenario.description}`);
    for (const citation of scenario.spec) {
      const { url, name } = citationLink(citation, specUrl);
      console.log(`    - ${url} (${name}): "${citation.quote}"`);
    }
  }
}
