import { parseDuration, periodProblem } from './duration';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['2d', 172_800_000],
    ['1h30m', 5_400_000],
    ['1m30s250ms', 90_250],
    ['0s', 0],
  ])('reads %s as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '30', 's', '1.5s', '30 s', '-1s', '1w', '30S', 'soon', '1h 30m', '99999999999999999999d'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('periodProblem', () => {
  it('accepts periods from 100ms to 365d', () => {
    expect(periodProblem('100ms')).toBeUndefined();
    expect(periodProblem('30s')).toBeUndefined();
    expect(periodProblem('365d')).toBeUndefined();
  });

  it('says what is wrong with the others', () => {
    expect(periodProblem('99ms')).toBe('99ms is too short: a schedule ticks at most every 100ms');
    expect(periodProblem('0s')).toMatch(/too short/);
    expect(periodProblem('366d')).toBe('366d is too long: at most 365d (use cron for dates)');
    expect(periodProblem('30 seconds')).toBe('"30 seconds" is not a duration: expected e.g. 500ms, 30s, 5m, 1h or 1h30m');
  });
});
