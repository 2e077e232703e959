import { cronSchedule, DEFAULT_TIMEZONE, everySchedule, scheduleOf, timingProblems } from './schedule-timing';

const at = (iso: string) => Date.parse(iso);
const isoOf = (ms: number) => new Date(ms).toISOString();

/** The first `n` ticks after `from`, as ISO times. */
function ticks(schedule: { next(after: number): number }, from: string, n: number): string[] {
  const out: string[] = [];
  let t = at(from);
  for (let i = 0; i < n; i++) out.push(isoOf((t = schedule.next(t))));
  return out;
}

describe('every: ticks on multiples of the period since the epoch', () => {
  const every200 = everySchedule('200ms', 200);

  it('gives the next multiple strictly after a time, and the last one at or before it', () => {
    expect(every200.next(1_000)).toBe(1_200);
    expect(every200.next(1_001)).toBe(1_200);
    expect(every200.next(1_199)).toBe(1_200);
    expect(every200.latest(1_000)).toBe(1_000);
    expect(every200.latest(1_199)).toBe(1_000);
    expect(every200.text).toBe('every 200ms');
  });

  it('puts hours on the hour and days at midnight UTC, whenever an instance starts', () => {
    const hourly = scheduleOf({ every: '1h' }, 'r');
    expect(ticks(hourly, '2026-05-04T10:17:42.123Z', 2)).toEqual(['2026-05-04T11:00:00.000Z', '2026-05-04T12:00:00.000Z']);
    expect(ticks(scheduleOf({ every: '1d' }, 'r'), '2026-05-04T23:59:59.999Z', 1)).toEqual(['2026-05-05T00:00:00.000Z']);
    // Two instances started apart agree on every tick.
    const a = scheduleOf({ every: '30s' }, 'r');
    expect(a.next(at('2026-05-04T10:00:03Z'))).toBe(a.next(at('2026-05-04T10:00:29.999Z')));
  });
});

describe('cron: ticks in a time zone', () => {
  it('reads five fields in UTC by default, six with seconds first, and aliases', () => {
    expect(ticks(scheduleOf({ cron: '*/5 * * * *' }, 'r'), '2026-05-04T10:02:00Z', 3)).toEqual([
      '2026-05-04T10:05:00.000Z',
      '2026-05-04T10:10:00.000Z',
      '2026-05-04T10:15:00.000Z',
    ]);
    expect(ticks(scheduleOf({ cron: '*/20 * * * * *' }, 'r'), '2026-05-04T10:00:00Z', 3)).toEqual([
      '2026-05-04T10:00:20.000Z',
      '2026-05-04T10:00:40.000Z',
      '2026-05-04T10:01:00.000Z',
    ]);
    expect(ticks(scheduleOf({ cron: '@hourly' }, 'r'), '2026-05-04T10:02:00Z', 1)).toEqual(['2026-05-04T11:00:00.000Z']);
    expect(DEFAULT_TIMEZONE).toBe('UTC');
  });

  it('gives the next tick strictly after a tick time and the latest at or before a time', () => {
    const s = scheduleOf({ cron: '*/5 * * * * *' }, 'r');
    expect(s.next(at('2026-05-04T10:00:05Z'))).toBe(at('2026-05-04T10:00:10Z'));
    expect(s.next(at('2026-05-04T10:00:05.500Z'))).toBe(at('2026-05-04T10:00:10Z'));
    expect(s.latest(at('2026-05-04T10:00:05Z'))).toBe(at('2026-05-04T10:00:05Z'));
    expect(s.latest(at('2026-05-04T10:00:09.999Z'))).toBe(at('2026-05-04T10:00:05Z'));
  });

  it('reads the fields in the given zone', () => {
    const paris = scheduleOf({ cron: '0 9 * * 1-5', timezone: 'Europe/Paris' }, 'r');
    // Friday 09:00 in Paris (CEST, UTC+2), then Monday.
    expect(ticks(paris, '2026-05-08T06:00:00Z', 2)).toEqual(['2026-05-08T07:00:00.000Z', '2026-05-11T07:00:00.000Z']);
    expect(paris.text).toBe('cron 0 9 * * 1-5 Europe/Paris');
    expect(scheduleOf({ cron: '0 9 * * *' }, 'r').text).toBe('cron 0 9 * * *');
  });

  it('fires a local time skipped in spring an hour later, and a time repeated in autumn once', () => {
    const s = cronSchedule('30 2 * * *', 'Europe/Paris', 'r');
    // 29 March 2026: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist and fires at 03:30 CEST.
    expect(ticks(s, '2026-03-28T00:00:00Z', 3)).toEqual(['2026-03-28T01:30:00.000Z', '2026-03-29T01:30:00.000Z', '2026-03-30T00:30:00.000Z']);
    // 25 October 2026: 03:00 CEST falls back to 02:00 CET; 02:30 happens twice and fires on the first.
    expect(ticks(s, '2026-10-24T00:00:00Z', 3)).toEqual(['2026-10-24T00:30:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
  });

  it('picks the same H values on every instance of a route, and others for another route', () => {
    const first = scheduleOf({ cron: 'H * * * *' }, 'poll-crm');
    const again = scheduleOf({ cron: 'H * * * *' }, 'poll-crm');
    const from = at('2026-05-04T10:00:00Z');
    expect(again.next(from)).toBe(first.next(from));
    const minutes = new Set(['a', 'b', 'c', 'd', 'e', 'f'].map((r) => new Date(scheduleOf({ cron: 'H * * * *' }, r).next(from)).getUTCMinutes()));
    expect(minutes.size).toBeGreaterThan(1);
  });
});

describe('timingProblems', () => {
  it('finds nothing wrong with valid timings', () => {
    expect(timingProblems({ every: '30s' })).toEqual([]);
    expect(timingProblems({ cron: '0 9 * * 1-5', timezone: 'America/New_York' })).toEqual([]);
  });

  it('locates each problem at its key', () => {
    expect(timingProblems({ every: '10ms' })).toEqual([{ path: 'every', message: expect.stringContaining('too short') }]);
    expect(timingProblems({ cron: '*/5 * * *' })).toEqual([
      { path: 'cron', message: 'not a cron expression: expected 5 fields (minute hour day month weekday), 6 (seconds first) or an @alias, got 4' },
    ]);
    expect(timingProblems({ cron: '0 0 31 2 *' })).toEqual([{ path: 'cron', message: expect.stringMatching(/^not a cron expression: /) }]);
    expect(timingProblems({ cron: '61 * * * *' })).toEqual([{ path: 'cron', message: expect.stringMatching(/^not a cron expression: /) }]);
    expect(timingProblems({ cron: '* * * * *', timezone: 'Europe/Atlantis' })).toEqual([
      { path: 'timezone', message: 'unknown time zone "Europe/Atlantis": expected an IANA name such as Europe/Paris' },
    ]);
  });

  it('makes scheduleOf throw the first problem', () => {
    expect(() => scheduleOf({ cron: 'every day' }, 'r')).toThrow(/^cron: not a cron expression/);
  });
});
