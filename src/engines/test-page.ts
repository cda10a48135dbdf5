import { readFileSync } from 'node:fs';

const script = readFileSync(new URL('./cc-fetch.js', import.meta.url), 'utf8');

/** The page every engine opens at the page origin; scenarios call its `window.ccFetch(spec)`. */
export const TEST_PAGE_HTML = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>cors-conformance test page</title><link rel="icon" href="data:,"></head>
<body>
<h1>cors-conformance test page</h1>
<p>Scenarios call <code>fetch()</code> from this origin: <code id="origin"></code></p>
<script>
document.getElementById('origin').textContent = location.origin;
${script}
</script>
</body>
</html>
`;
