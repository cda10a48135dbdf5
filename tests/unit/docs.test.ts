import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import {
  brokenLinks,
  collectFacts,
  type DocFacts,
  ROOT,
  readPages,
  renderDocs,
  stalePages,
} from '../../scripts/docs.ts';

let facts: DocFacts;
const pages = readPages();

describe('the documentation', () => {
  before(async () => {
    facts = await collectFacts();
  });

  it('README.md and docs/*.md state what the code says (else run `npm run docs`)', () => {
    assert.ok(pages.has('README.md') && pages.size > 1, [...pages.keys()].join(', '));
    assert.deepEqual(stalePages(pages, facts), []);
  });

  it('reports a page with a wrong count as stale, naming the file and the command (the check can fail)', () => {
    const wrong = `${facts.scenarios + 1}`;
    const page = `It holds <!-- generated:scenario-count -->${wrong}<!-- /generated:scenario-count --> scenarios.\n`;
    const files = new Map([['docs/example.md', page]]);
    assert.deepEqual(stalePages(files, facts), [
      'docs/example.md is stale: its generated regions differ from the code; run `npm run docs`',
    ]);
    assert.equal(
      renderDocs(files, facts).get('docs/example.md'),
      `It holds <!-- generated:scenario-count -->${facts.scenarios}<!-- /generated:scenario-count --> scenarios.\n`,
    );
  });

  it('rewrites a stale table and refuses unknown, unclosed or line-starting markers', () => {
    const table = '<!-- generated:levels -->\n| old |\n<!-- /generated:levels -->\n';
    const rendered = renderDocs(new Map([['a.md', table]]), facts).get('a.md') ?? '';
    assert.match(rendered, /^<!-- generated:levels -->\n\n\| level \| scenarios \|\n/);
    assert.throws(
      () => renderDocs(new Map([['a.md', 'n <!-- generated:nope -->1<!-- /generated:nope -->']]), facts),
      /a\.md: unknown marker generated:nope/,
    );
    assert.throws(
      () => renderDocs(new Map([['a.md', 'n <!-- generated:area-count -->1']]), facts),
      /a\.md: a <!-- generated:NAME --> marker has no/,
    );
    assert.throws(
      () =>
        renderDocs(
          new Map([['a.md', '<!-- generated:area-count -->1<!-- /generated:area-count -->']]),
          facts,
        ),
      /a\.md: the count generated:area-count starts a line/,
    );
  });

  it('counts the catalogue as the loader expands it, area by area', () => {
    assert.equal(
      facts.areas.reduce((n, a) => n + a.count, 0),
      facts.scenarios,
    );
    assert.equal(
      facts.levels.reduce((n, l) => n + l.count, 0),
      facts.scenarios,
    );
    for (const flaw of facts.flaws)
      assert.ok(
        flaw.calledBy.length > 0,
        `${flaw.profile} changes a pipeline a misconfig/ or vary/ scenario calls`,
      );
  });

  it('keeps README.md under 10 KB', () => {
    const size = statSync(join(ROOT, 'README.md')).size;
    assert.ok(size < 10 * 1024, `README.md is ${size} bytes`);
  });

  it('links only to files and headings that exist', () => {
    assert.deepEqual(
      [...pages].flatMap(([path, text]) => brokenLinks(path, text)),
      [],
    );
    const page =
      '# Top\n[x](../nowhere.md) [y](engines.md#set-up) [t](#top) [n](engines.md#nope) `[z](no.md)`';
    assert.deepEqual(brokenLinks('docs/a.md', page), [
      'docs/a.md: ../nowhere.md',
      'docs/a.md: engines.md#nope (no such heading)',
    ]);
  });
});
