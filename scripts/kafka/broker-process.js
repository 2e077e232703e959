// @ts-check
'use strict';
/**
 * How a single-node KRaft broker is configured, formatted and launched from the jars in `.kafka/lib`. Shared by
 * start.js (the development broker) and by tests that run a broker of their own, which they stop and start again
 * on the same ports and data (libs/testing/src/own-kafka-broker.ts).
 */
const { spawn, spawnSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const path = require('node:path');
const { paths } = require('./broker-state');

/**
 * The broker's server.properties.
 * @param {number} port
 * @param {number} controllerPort
 * @param {string} logDirs
 */
function serverProperties(port, controllerPort, logDirs) {
  return [
    '# Written by scripts/kafka/broker-process.js: a single-node KRaft broker for development and tests.',
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${logDirs}`,
    'num.partitions=3',
    'default.replication.factor=1',
    'min.insync.replicas=1',
    'auto.create.topics.enable=true',
    'group.initial.rebalance.delay.ms=0',
    // One broker: every internal topic has one replica. Fewer partitions than the default 50 make the first
    // consumer group (and the first transaction) ready sooner.
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=5',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=5',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    // A small machine: fewer threads than the defaults (3 network, 8 I/O) are plenty for tests.
    'num.network.threads=2',
    'num.io.threads=4',
    '',
  ].join('\n');
}

/** A new Kafka cluster id: 16 random bytes, base64url without padding, not starting with '-' (as Kafka's Uuid). */
function clusterId() {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

const log4j = () => `-Dlog4j2.configurationFile=${paths.log4j}`;
/** Expanded by java itself: no shell involved. */
const classpath = () => path.join(paths.lib, '*');

/**
 * Formats the storage named by `propsFile` with a new cluster id (synchronously; output to `logFd`).
 * @param {string} java
 * @param {string} propsFile
 * @param {number} logFd
 */
function formatStorage(java, propsFile, logFd) {
  return spawnSync(
    java,
    ['-Xmx256m', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', log4j(), '-cp', classpath(), 'kafka.tools.StorageTool',
      'format', '--cluster-id', clusterId(), '--config', propsFile],
    { stdio: ['ignore', logFd, logFd] },
  );
}

/**
 * Starts `java kafka.Kafka propsFile` in the background, output to `logFd`, heap from KAFKA_HEAP_OPTS. The caller
 * waits for it to answer (broker-state's brokerAnswers) and unrefs it.
 * @param {string} java
 * @param {string} propsFile
 * @param {number} logFd
 */
function launchBroker(java, propsFile, logFd) {
  const heap = (process.env.KAFKA_HEAP_OPTS ?? '-Xms128m -Xmx512m').split(/\s+/).filter(Boolean);
  return spawn(
    java,
    [...heap, '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:+ExitOnOutOfMemoryError', '-Djava.awt.headless=true',
      log4j(), '-cp', classpath(), 'kafka.Kafka', propsFile],
    // Its own process group: a Ctrl-C meant for the script that started it (or for npm) does not reach the broker.
    { detached: true, stdio: ['ignore', logFd, logFd] },
  );
}

module.exports = { serverProperties, clusterId, formatStorage, launchBroker };
