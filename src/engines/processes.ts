import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** Rejects with `what` named when `promise` takes longer than `ms`: every WebDriver call needs one. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

const groups = new Set<number>();
process.once('exit', () => {
  for (const pid of groups) killGroup(pid);
});

/** Spawns a process in its own group, so that killGroup also ends what it started (MiniBrowser). */
export function spawnGroup(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  stdio: 'pipe' | 'fd3' = 'pipe',
): ChildProcess {
  const child = spawn(command, args, {
    detached: true,
    env,
    stdio: stdio === 'fd3' ? ['ignore', 'ignore', 'pipe', 'pipe'] : ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid !== undefined) groups.add(child.pid);
  child.once('exit', () => {
    if (child.pid !== undefined) groups.delete(child.pid);
  });
  return child;
}

export function killGroup(pid: number | undefined, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
  groups.delete(pid);
}

/** Calls `line` for each complete line the stream emits. */
export function onLines(stream: NodeJS.ReadableStream | null, line: (text: string) => void): void {
  if (!stream) return;
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const l of lines) if (l.trim() !== '') line(l);
  });
}
