// Runs inside the test page, in every engine: one fetch(), reported as plain data.
// Plain JavaScript on purpose: it is inlined into the page as is, never transpiled.
// Contract: tests/engines/session.ts (FetchSpec in, FetchOutcome out).
window.ccFetch = async function ccFetch(spec) {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), spec.timeoutMs);
  // biome-ignore lint/suspicious/noDocumentCookie: the Cookie Store API is not in every engine under test.
  if (spec.cookie) document.cookie = spec.cookie;
  let body;
  if (spec.body?.kind === 'text') body = spec.body.text;
  if (spec.body?.kind === 'form-data') {
    body = new FormData();
    for (const [name, value] of spec.body.fields) body.append(name, new Blob([value]), `${name}.txt`);
  }
  try {
    const response = await fetch(spec.url, {
      method: spec.method,
      headers: spec.headers,
      credentials: spec.credentials,
      mode: spec.mode,
      redirect: spec.redirect,
      cache: 'no-store',
      body,
      signal: controller.signal,
    });
    const bytes = await response.arrayBuffer();
    const headers = [];
    for (const [name, value] of response.headers) headers.push([name, value]);
    return {
      kind: 'resolved',
      status: response.status,
      type: response.type,
      redirected: response.redirected,
      url: response.url,
      headers,
      bodyBytes: bytes.byteLength,
      ms: elapsed(),
    };
  } catch (error) {
    if (controller.signal.aborted) return { kind: 'timeout', ms: elapsed() };
    return {
      kind: 'rejected',
      name: String(error?.name),
      message: String(error?.message),
      ms: elapsed(),
    };
  } finally {
    clearTimeout(timer);
  }
};
