import { loadSettings, type Settings } from '@junction/config';
import { ConfigError } from '@junction/core';
import { startBus } from './bootstrap';

/** `npm start` / `junction start`: the bus alone, configured from the environment. */
export async function main(env: Record<string, string | undefined> = process.env): Promise<void> {
  let settings: Settings;
  try {
    settings = loadSettings(env);
  } catch (err) {
    process.stderr.write(`junction: ${(err as Error).message}\n`);
    process.exit(2);
  }
  let bus;
  try {
    bus = await startBus(settings, env);
  } catch (err) {
    const problems = err instanceof ConfigError ? err.problems : [(err as Error).message];
    process.stderr.write(`junction: cannot start: ${(err as Error).message}\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
    process.exit(1);
  }
  const stop = (signal: string) => {
    bus.log.info({ signal }, 'shutting down');
    bus.close().then(
      () => process.exit(0),
      (err) => {
        bus.log.error({ err: (err as Error).message }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

if (require.main === module) void main();
