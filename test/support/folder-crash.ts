import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitUntil, type TargetServer } from '@junction/testing';
import { startChildBus, type ChildBus } from './child-bus';

const visible = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((n) => !n.startsWith('.')) : []);

/** What a folder source's kill -9 run came to. */
export interface FolderCrashCounts {
  readonly files: number;
  readonly delivered: number;
  readonly duplicates: number;
  /** The most times one file was delivered. */
  readonly mostDeliveries: number;
  readonly leftInInbox: number;
  readonly done: number;
  readonly errored: number;
  readonly deliveredAtKills: readonly number[];
}

/**
 * Puts `files` JSON files (`{"n": i}`) into `inbox` (the local side of the server's folder), runs the built bus on
 * `routes` as a child process, kills it with SIGKILL each time the target has seen the next of `killAt` distinct
 * files, starts it again on the same database, and waits until every file was delivered and moved to `.done`.
 * Resolves with the counts; the caller asserts on them.
 */
export async function runFolderCrash(options: {
  dir: string;
  name: string;
  inbox: string;
  files: number;
  killAt: readonly number[];
  routes: string;
  databaseUrl: string;
  env: Record<string, string>;
  target: TargetServer;
  path: string;
  timeoutMs: number;
}): Promise<FolderCrashCounts> {
  const { inbox, files, target } = options;
  for (let i = 0; i < files; i++) writeFileSync(join(inbox, `f-${String(i).padStart(5, '0')}.json`), JSON.stringify({ n: i }));
  const arrived = () => target.requests.filter((r) => r.path === options.path).map((r) => (r.json as { n: number }).n);
  const distinct = () => new Set(arrived()).size;
  const start = (i: number) =>
    startChildBus({ dir: options.dir, name: `${options.name}-${i}`, routes: options.routes, databaseUrl: options.databaseUrl, env: { ...options.env, LOG_LEVEL: 'error' } });
  const deliveredAtKills: number[] = [];
  let bus: ChildBus = await start(0);
  try {
    for (const [i, at] of options.killAt.entries()) {
      await waitUntil(() => distinct() >= at, options.timeoutMs, `${at} files delivered before kill ${i + 1}`);
      bus.child.child.kill('SIGKILL');
      await bus.child.exited;
      deliveredAtKills.push(distinct());
      bus = await start(i + 1);
    }
    await waitUntil(() => distinct() >= files && visible(inbox).length === 0, options.timeoutMs, `all ${files} files delivered and moved`);
    // Deliveries the outbox still had in hand (a claim taken over after the kill) may come a little later.
    await new Promise((r) => setTimeout(r, 2_000));
  } finally {
    await bus.child.kill('SIGTERM', 10_000);
  }
  const all = arrived();
  return {
    files,
    delivered: new Set(all).size,
    duplicates: all.length - new Set(all).size,
    mostDeliveries: Math.max(0, ...countsOf(all).values()),
    leftInInbox: visible(inbox).length,
    done: visible(join(inbox, '.done')).length,
    errored: visible(join(inbox, '.error')).length,
    deliveredAtKills,
  };
}

function countsOf(values: readonly number[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}

/**
 * Watches `dir` until stopped: every file it sees under a name not starting with a dot must already have `size`
 * bytes. Returns how many looks it took, what it saw that was not complete, and how many looks saw a temporary
 * (`.tmp`) file, which tells that the reader looked while files were being written.
 */
export function watchForPartialFiles(dir: string, size: number): { stop(): { looks: number; seen: number; partial: string[]; tempLooks: number } } {
  let looks = 0;
  let tempLooks = 0;
  const seen = new Set<string>();
  const partial: string[] = [];
  let stopped = false;
  const look = () => {
    if (stopped) return;
    looks++;
    const names = existsSync(dir) ? readdirSync(dir) : [];
    if (names.some((n) => n.endsWith('.tmp'))) tempLooks++;
    for (const name of names) {
      if (name.startsWith('.')) continue;
      let bytes: number;
      try {
        bytes = statSync(join(dir, name)).size;
      } catch {
        continue;
      }
      seen.add(name);
      if (bytes !== size) partial.push(`${name}: ${bytes} of ${size} bytes`);
    }
    setImmediate(look);
  };
  look();
  return {
    stop: () => {
      stopped = true;
      return { looks, seen: seen.size, partial, tempLooks };
    },
  };
}
