import { killGroup, onLines, spawnGroup, withTimeout } from './processes.ts';

export interface XDisplay {
  /** e.g. ":99" */
  display: string;
  close(): void;
}

/**
 * An X display for WebKitGTK, which has no headless mode: the one in $DISPLAY, else an Xvfb the
 * suite starts itself (Xvfb picks a free display number and writes it to fd 3).
 */
export async function ensureDisplay(): Promise<XDisplay> {
  if (process.env.DISPLAY) return { display: process.env.DISPLAY, close: () => {} };
  const xvfb = spawnGroup(
    'Xvfb',
    ['-displayfd', '3', '-screen', '0', '1280x720x24', '-nolisten', 'tcp'],
    process.env,
    'fd3',
  );
  const failed = new Promise<never>((_, reject) => {
    xvfb.once('error', (e) =>
      reject(new Error(`cannot start Xvfb (install the Debian package xvfb): ${e.message}`)),
    );
    xvfb.once('exit', (code) => reject(new Error(`Xvfb exited with code ${code} before it gave a display`)));
  });
  const number = new Promise<string>((resolve) => onLines(xvfb.stdio[3] as NodeJS.ReadableStream, resolve));
  const display = `:${(await withTimeout(Promise.race([number, failed]), 10_000, 'Xvfb start')).trim()}`;
  return { display, close: () => killGroup(xvfb.pid) };
}
