'use strict';
/** Command-line options of bench/run.js. */
const path = require('node:path');
const { SIZES } = require('./payloads');

const USAGE = `usage: node bench/run.js [options]
  --quick                 the subset that covers every target (about 3 minutes); default: the full matrix
  --scenarios S1,S4,S7    scenario ids (S7 = S7-sqlite and S7-pg; S1-json... for the JSON twins; S9,S10 alone
                          for the AMQP and MQTT cells)
  --sizes 1KB,100KB       among ${Object.keys(SIZES).join(', ')}
  --concurrency 10,100    HTTP connections (S8-S10 keep their own: partitions, prefetch, one MQTT session)
  --duration <s>          measured seconds per HTTP run (default 10, quick 4)
  --warmup <s>            warm-up seconds before each HTTP run (default 3, quick 1, and 3 for a bus's first cell)
  --messages <n>          messages per S7-S10 run at 1 KB (default 30000, quick 10000; fewer for larger bodies)
  --async-limit <s>       S7-S10: time allowed from the first send to the last delivery (default 120, quick 12)
  --kafka-mode <m>        S8 route mode: async (stored in the outbox, default) or sync (delivered before commit)
  --workers <n>           processes of the bus (its WORKERS setting; default 1, as the earlier results were run)
  --bus-node-args "<a>"   node options for the bus process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
  --load <g>              load generator of the sync HTTP cells: autocannon (default: one pass, bus then proxy) or
                          wrk (Debian's; rounds of every system interleaved, with the backend called directly)
  --rounds <n>            --load wrk: rounds per cell, every system once a round (default 3)
  --wrk-threads <n>       --load wrk: wrk's threads (default 1)
  --paced <rps>           --load wrk: after the rounds, the same rounds at this fixed rate (open loop, over the
                          cell's connections), for latency below saturation (bench/paced-load.js)
  --camel                 also the Apache Camel 4 peer (bench/camel, built by Maven) on S1, S2, S4, S5, S6;
                          implies --load wrk
  --camel-java-args "<a>" JVM options of the Camel peer, e.g. "-Xmx512m" (default: none, the JVM's defaults)
  --out <file>            results file (default bench/results/latest.json)
  --help`;

function list(value, name) {
  const items = String(value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) throw new Error(`--${name} needs a value`);
  return items;
}

function positive(value, name) {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} expects a number >= 0, got ${value}`);
  return n;
}

function parseOptions(argv) {
  const o = { quick: false, out: path.resolve(__dirname, '..', 'results', 'latest.json'), kafkaMode: 'async', busNodeArgs: [], camel: false, camelJavaArgs: [] };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => (inline !== undefined ? inline : argv[++i]);
    switch (flag) {
      case '--quick':
        o.quick = true;
        break;
      case '--scenarios':
        o.scenarios = list(value(), 'scenarios');
        break;
      case '--sizes':
        o.sizes = list(value(), 'sizes').map((s) => {
          const size = Object.keys(SIZES).find((k) => k.toLowerCase() === s.toLowerCase());
          if (!size) throw new Error(`unknown size ${s} (known: ${Object.keys(SIZES).join(', ')})`);
          return size;
        });
        break;
      case '--concurrency':
        o.concurrency = list(value(), 'concurrency').map((c) => positive(c, 'concurrency'));
        break;
      case '--duration':
        o.durationS = positive(value(), 'duration');
        break;
      case '--warmup':
        o.warmupS = positive(value(), 'warmup');
        break;
      case '--messages':
        o.messages = Math.round(positive(value(), 'messages'));
        break;
      case '--async-limit':
        o.asyncLimitS = positive(value(), 'async-limit');
        break;
      case '--kafka-mode':
        o.kafkaMode = value();
        if (o.kafkaMode !== 'sync' && o.kafkaMode !== 'async') throw new Error('--kafka-mode is sync or async');
        break;
      case '--workers':
        o.workers = Math.round(positive(value(), 'workers'));
        if (o.workers < 1) throw new Error('--workers must be >= 1');
        break;
      case '--bus-node-args':
        o.busNodeArgs = String(value()).split(/\s+/).filter(Boolean);
        break;
      case '--load':
        o.load = value();
        if (o.load !== 'wrk' && o.load !== 'autocannon') throw new Error('--load is wrk or autocannon');
        break;
      case '--rounds':
        o.rounds = Math.round(positive(value(), 'rounds'));
        if (o.rounds < 1) throw new Error('--rounds must be >= 1');
        break;
      case '--wrk-threads':
        o.wrkThreads = Math.round(positive(value(), 'wrk-threads'));
        if (o.wrkThreads < 1) throw new Error('--wrk-threads must be >= 1');
        break;
      case '--paced':
        o.pacedRps = Math.round(positive(value(), 'paced'));
        if (o.pacedRps < 1) throw new Error('--paced must be >= 1');
        break;
      case '--camel':
        o.camel = true;
        break;
      case '--camel-java-args':
        o.camelJavaArgs = String(value()).split(/\s+/).filter(Boolean);
        break;
      case '--out':
        o.out = path.resolve(value());
        break;
      case '--help':
      case '-h':
        o.help = true;
        break;
      default:
        throw new Error(`unknown option ${argv[i]}\n${USAGE}`);
    }
  }
  o.durationS ??= o.quick ? 4 : 10;
  o.workers ??= 1;
  // A bus's first cell warms the freshly started bus up longer, unless the warm-up was given.
  o.firstWarmupS = o.warmupS ?? 3;
  o.warmupS ??= o.quick ? 1 : 3;
  o.messages ??= o.quick ? 10_000 : 30_000;
  o.asyncLimitS ??= o.quick ? 12 : 120;
  if (o.camel && o.load === 'autocannon') throw new Error('--camel runs with --load wrk');
  o.load ??= o.camel ? 'wrk' : 'autocannon';
  o.rounds ??= 3;
  o.wrkThreads ??= 1;
  if (o.load !== 'wrk' && (argv.includes('--rounds') || argv.includes('--wrk-threads') || o.pacedRps)) throw new Error('--rounds, --wrk-threads and --paced apply to --load wrk');
  if (o.durationS <= 0) throw new Error('--duration must be > 0');
  return o;
}

module.exports = { parseOptions, USAGE };
