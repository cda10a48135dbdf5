// Runs inside the test page, in every engine: one fetch(), reported as plain data.
// Plain JavaScript on purpose: it is inlined into the page as is, never transpiled.
// Contract: tests/engines/session.ts (FetchSpec in, FetchOutcome out).
window.ccFetch = async function ccFetch(spec) {
  if (spec.frameOrigin) return fetchInFrame(spec);
  // biome-ignore lint/suspicious/noDocumentCookie: the Cookie Store API is not in every engine under test.
  if (spec.cookie) document.cookie = spec.cookie;
  if (spec.api === 'event-source') return eventSource(spec);
  if (spec.api === 'beacon') return beacon(spec);
  if (spec.api === 'script') return scriptElement(spec);
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), spec.timeoutMs);
  let body;
  if (spec.body?.kind === 'text') body = spec.body.text;
  if (spec.body?.kind === 'filler') body = 'x'.repeat(spec.body.bytes);
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
      cache: spec.cache || 'no-store',
      ...(spec.referrerPolicy ? { referrerPolicy: spec.referrerPolicy } : {}),
      ...(spec.redirect ? { redirect: spec.redirect } : {}),
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
    return { kind: 'rejected', name: String(error?.name), message: String(error?.message), ms: elapsed() };
  } finally {
    clearTimeout(timer);
  }
};

// A beacon: the page learns only whether it was queued; the wire shows whether it was sent.
function beacon(spec) {
  const started = performance.now();
  const type = spec.headers.find(([name]) => name.toLowerCase() === 'content-type')?.[1];
  const text = spec.body?.kind === 'text' ? spec.body.text : '';
  const queued = navigator.sendBeacon(spec.url, type ? new Blob([text], { type }) : text);
  const ms = Math.round(performance.now() - started);
  if (!queued) return { kind: 'rejected', name: 'Beacon', message: 'sendBeacon returned false', ms };
  return { kind: 'queued', ms };
}

// What a page reads of an API that shows it no status and no header (a script element, an
// EventSource): that it loaded. Both load only on an ok status, so it is reported as 200.
function readWithoutHeaders(spec, bodyBytes, ms) {
  return {
    kind: 'resolved',
    status: 200,
    type: 'cors',
    redirected: false,
    url: spec.url,
    headers: [],
    bodyBytes,
    ms,
  };
}

// A <script crossorigin> element: loaded (the CORS check passed and the script ran) or failed. The
// page reads no status and no header of it. Removed once settled.
function scriptElement(spec) {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    const script = document.createElement('script');
    script.crossOrigin = spec.credentials === 'include' ? 'use-credentials' : 'anonymous';
    const settle = (outcome) => {
      clearTimeout(timer);
      script.remove();
      resolve(outcome);
    };
    const timer = setTimeout(() => settle({ kind: 'timeout', ms: elapsed() }), spec.timeoutMs);
    script.onload = () => settle(readWithoutHeaders(spec, 0, elapsed()));
    script.onerror = () =>
      settle({ kind: 'rejected', name: 'Event', message: 'the script element fired error', ms: elapsed() });
    script.src = spec.url;
    document.head.appendChild(script);
  });
}

// An EventSource: read when its first message arrives (the CORS check passed and the stream was
// read), failed on its error event (closed at once, so that it never reconnects). The page reads no
// status and no header of it: an EventSource opens only on a 200.
function eventSource(spec) {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    const source = new EventSource(spec.url, { withCredentials: spec.credentials === 'include' });
    const settle = (outcome) => {
      clearTimeout(timer);
      source.close();
      resolve(outcome);
    };
    const timer = setTimeout(() => settle({ kind: 'timeout', ms: elapsed() }), spec.timeoutMs);
    source.onmessage = (event) => settle(readWithoutHeaders(spec, String(event.data).length, elapsed()));
    source.onerror = () =>
      settle({ kind: 'rejected', name: 'Event', message: 'the EventSource fired error', ms: elapsed() });
  });
}

// Independent fetches started together (each with its own URL): one call from the harness for all.
window.ccFetchAll = (specs) => Promise.all(specs.map((spec) => window.ccFetch(spec)));

// A fetch made from another origin inside this page: the test page of `frameOrigin` in an iframe,
// asked over postMessage. Same-site frames share the page's HTTP cache partition.
const frames = new Map();
function frameFor(origin, timeoutMs) {
  if (!frames.has(origin)) {
    frames.set(
      origin,
      new Promise((resolve, reject) => {
        const iframe = document.createElement('iframe');
        const timer = setTimeout(() => reject(new Error(`frame ${origin} did not load`)), timeoutMs);
        iframe.onload = () => {
          clearTimeout(timer);
          resolve(iframe);
        };
        iframe.src = `${origin}/`;
        document.body.appendChild(iframe);
      }),
    );
  }
  return frames.get(origin);
}

async function fetchInFrame(spec) {
  const { frameOrigin, ...inner } = spec;
  let iframe;
  try {
    iframe = await frameFor(frameOrigin, spec.timeoutMs);
  } catch (error) {
    return { kind: 'rejected', name: 'HarnessError', message: String(error?.message), ms: 0 };
  }
  const id = Math.random().toString(36).slice(2);
  return new Promise((resolve) => {
    const listener = (event) => {
      if (event.source !== iframe.contentWindow || event.data?.ccResultFor !== id) return;
      window.removeEventListener('message', listener);
      resolve(event.data.outcome);
    };
    window.addEventListener('message', listener);
    iframe.contentWindow.postMessage({ ccRun: inner, id }, frameOrigin);
  });
}

window.addEventListener('message', async (event) => {
  if (event.source !== window.parent || window.parent === window || !event.data?.ccRun) return;
  const outcome = await window.ccFetch(event.data.ccRun);
  event.source.postMessage({ ccResultFor: event.data.id, outcome }, event.origin);
});
