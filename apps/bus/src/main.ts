import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { loadSettings, type Settings } from '@junction/config';
import { ConfigError } from '@junction/core';
import type { RunningBus } from './bootstrap';
import { busLogger } from './bus-logger';
import { runPrimary } from './cluster/cluster-primary';
import { connectToPrimary, type PrimaryConnection } from './cluster/cluster-worker';

/**
 * `npm start` / `junction start`: the bus alone, configured from the environment. With WORKERS above 1 (by default
 * the number of cores) this process is the primary of a cluster and every worker runs the bus (see runPrimary).
 */
export async function main(env: Record<string, string | undefined> = process.env): Promise<void> {
  let settings: Settings;
  try {
    settings = loadSettings(env);
  } catch (err) {
    process.stderr.write(`junction: ${(err as Error).message}\n`);
    process.exit(2);
  }
  if (cluster.isWorker) return runBus(settings, env, connectToPrimary());
  const workers = workersFor(settings);
  if (workers > 1) return runPrimary(settings, workers, busLogger(settings));
  return runBus(settings, env, undefined);
}

/** How many processes run the bus: WORKERS, else the cores; one for a store no other process can open. */
function workersFor(settings: Settings): number {
  const wanted = settings.WORKERS ?? availableParallelism();
  if (wanted > 1 && settings.DATABASE_URL === 'sqlite::memory:') {
    busLogger(settings).warn({ workers: wanted }, 'a sqlite::memory: store lives in one process: running the bus as one (WORKERS=1)');
    return 1;
  }
  return wanted;
}

async function runBus(settings: Settings, env: Record<string, string | undefined>, primary: PrimaryConnection | undefined): Promise<void> {
  // Listening from the start: a signal that arrives while the bus is starting (a cluster's primary stopping its
  // workers, an operator's Ctrl-C) stops it once it has started, rather than killing it half-way.
  let bus: RunningBus | undefined;
  let stopping: string | undefined;
  const stop = (signal: string) => {
    // A worker may get the signal twice (the terminal's process group, then the primary): one drain. A bus of one
    // process given a second signal while it is still starting (a database that does not answer) ends at once.
    if (stopping) {
      if (!bus && !cluster.isWorker) process.exit(1);
      return;
    }
    stopping = signal;
    if (bus) drain(bus, signal);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  try {
    // Loaded here, not at the top: a cluster's primary runs no bus and need not hold its modules (about 35 MB).
    const { startBus } = await import('./bootstrap');
    bus = await startBus(settings, env, primary?.peers ?? null);
  } catch (err) {
    const problems = err instanceof ConfigError ? err.problems : [(err as Error).message];
    process.stderr.write(`junction: cannot start: ${(err as Error).message}\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
    process.exit(1);
  }
  if (stopping) return drain(bus, stopping);
  primary?.serve(bus);
}

function drain(bus: RunningBus, signal: string): void {
  bus.log.info({ signal }, 'shutting down');
  bus.close().then(
    () => process.exit(0),
    (err) => {
      bus.log.error({ err: (err as Error).message }, 'shutdown failed');
      process.exit(1);
    },
  );
}

if (require.main === module) void main();
