#!/usr/bin/env node
// @ts-check
'use strict';
/**
 * `npm run kafka:stop`: stops the broker that start.js recorded (SIGTERM, then SIGKILL after a grace period,
 * KAFKA_STOP_GRACE_MS, default 20000), then removes its data folder, .kafka/broker.pid and .kafka/broker.json.
 * Exits 0 when no broker was recorded, or when the recorded process is gone or is no longer a Kafka broker (a
 * recycled pid is never signalled): the record is cleaned up all the same.
 */
const { readState, clearState, isAlive, isKafkaBroker, msFromEnv, log, sleep } = require('./broker-state');

/**
 * Stops the broker of `state` if it still runs, and clears its record and data.
 * @param {import('./broker-state').BrokerState} state
 * @param {number} graceMs
 * @returns {Promise<'stopped' | 'killed' | 'gone'>}
 */
async function stopBroker(state, graceMs) {
  let outcome = /** @type {'stopped' | 'killed' | 'gone'} */ ('gone');
  if (isKafkaBroker(state.pid)) {
    process.kill(state.pid, 'SIGTERM');
    outcome = (await exitsWithin(state.pid, graceMs)) ? 'stopped' : 'killed';
    if (outcome === 'killed') {
      log(`the broker (pid ${state.pid}) did not stop within ${graceMs} ms of SIGTERM: sending SIGKILL`);
      process.kill(state.pid, 'SIGKILL');
      await exitsWithin(state.pid, 10_000);
    }
  }
  clearState(state);
  return outcome;
}

/**
 * @param {number} pid
 * @param {number} timeoutMs
 */
async function exitsWithin(pid, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(100);
  }
  return true;
}

module.exports = { stopBroker };

async function main() {
  const state = readState();
  if (state === undefined) {
    log('no broker recorded (nothing to stop)');
    return;
  }
  const started = Date.now();
  const outcome = await stopBroker(state, msFromEnv('KAFKA_STOP_GRACE_MS', 20_000));
  const took = `${((Date.now() - started) / 1000).toFixed(1)} s`;
  if (outcome === 'gone') log(`the broker (pid ${state.pid}) was no longer running; its record is removed`);
  else log(`broker (pid ${state.pid}) ${outcome} in ${took}; its data is removed`);
}

if (require.main === module) {
  main().catch((err) => {
    log(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  });
}
