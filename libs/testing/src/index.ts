/**
 * Helpers for end-to-end tests: real servers, real processes, real files. Every helper that starts something returns
 * the way to stop it; a test stops everything it started (in `afterEach`/`afterAll` or a `finally`).
 */
export { freePort } from './free-port';
export { waitUntil } from './wait-until';
export { tempDir, writeRoutes, type TempDir } from './temp-dir';
export {
  startTargetServer,
  type CapturedRequest,
  type TargetResponse,
  type TargetServer,
  type TargetServerOptions,
} from './target-server';
export { startChildProcess, type ChildProcessOptions, type RunningChild } from './child-process';
export { ensureKafkaBroker, type KafkaBroker, type KafkaBrokerOptions } from './kafka-broker';
export { startOwnKafkaBroker, type OwnKafkaBroker } from './own-kafka-broker';
