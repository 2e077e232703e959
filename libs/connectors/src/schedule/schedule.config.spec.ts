import { compileRouteDir, type RouteSet } from '@junction/routing';
import { tempDir, writeRoutes, type TempDir } from '@junction/testing';
import { HttpEgress } from '../http/http.egress';
import { httpConnector } from '../http/http.connector';
import { scheduleConnector } from './schedule.connector';

const CONNECTORS = [httpConnector, scheduleConnector] as const;

/** A route file with one schedule route whose source is `source` (YAML flow mapping). */
const routeFile = (source: string, id = 'poll') => `routes:
  - id: ${id}
    from:
      schedule: ${source}
    to: [{ http: { url: "http://127.0.0.1:1/sink" } }]
`;

describe('schedule source config, checked offline with located problems', () => {
  let dir: TempDir;
  beforeEach(async () => {
    dir = await tempDir('junction-schedule-config');
  });
  afterEach(() => dir.cleanup());

  async function compile(files: Record<string, string>): Promise<RouteSet> {
    await writeRoutes(dir.path, files);
    return compileRouteDir(dir.path, {}, { connectors: CONNECTORS, egress: new Map([['http', new HttpEgress()]]) });
  }

  it('loads every and cron schedules, and several routes on the same schedule', async () => {
    const set = await compile({
      'a.yaml': routeFile('{ every: 30s, body: { poll: true }, headers: { x-poll: crm } }', 'a'),
      'b.yaml': routeFile('{ every: 30s, name: second }', 'b'),
      'c.yaml': routeFile('{ cron: "*/5 * * * *", timezone: Europe/Paris, bodyExpr: "{ \'tick\': $tick, \'at\': $scheduledAt }" }', 'c'),
    });
    expect(set.problems).toEqual([]);
    expect(set.routes.map((r) => [r.id, r.sourceKind])).toEqual([
      ['a', 'schedule'],
      ['b', 'schedule'],
      ['c', 'schedule'],
    ]);
    expect(set.routes[0].source).toEqual({ schedule: { every: '30s', body: { poll: true }, headers: { 'x-poll': 'crm' } } });
  });

  it.each([
    ['a bad cron expression', '{ cron: "*/5 * * 13 *" }', 'cron', /^not a cron expression: .*13/],
    ['a short cron expression', '{ cron: "*/5 * * *" }', 'cron', /expected 5 fields/],
    ['an unknown time zone', '{ cron: "0 9 * * *", timezone: Mars/Olympus }', 'timezone', /unknown time zone "Mars\/Olympus"/],
    ['a body expression that does not parse', '{ every: 1m, bodyExpr: "{ \'a\': " }', 'bodyExpr', /JSONata syntax error/],
    ['a period below 100ms', '{ every: 50ms }', 'every', /too short/],
    ['a period that is no duration', '{ every: "30 seconds" }', 'every', /^expected a duration such as 500ms/],
    ['a time zone without cron', '{ every: 1m, timezone: UTC }', 'timezone', /applies to cron only/],
    ['both body and bodyExpr', '{ every: 1m, body: {}, bodyExpr: "{}" }', 'bodyExpr', /not both/],
  ])('reports %s at its file, line and path', async (_what, source, key, message) => {
    const set = await compile({ 'poll.yaml': routeFile(source) });
    expect(set.routes).toEqual([]);
    expect(set.problems).toEqual([{ file: expect.stringMatching(/poll\.yaml$/), line: 4, path: `routes[0].from.schedule.${key}`, message: expect.stringMatching(message) }]);
  });

  it('wants exactly one of every and cron', async () => {
    for (const source of ['{ every: 1m, cron: "* * * * *" }', '{ name: lonely }']) {
      const set = await compile({ 'poll.yaml': routeFile(source) });
      expect(set.problems).toEqual([expect.objectContaining({ path: 'routes[0].from.schedule', message: 'expected exactly one of every, cron' })]);
    }
  });
});
