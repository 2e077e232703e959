import { topicFilterProblem, topicMatches, topicNameProblem } from './mqtt-topics';

describe('topicFilterProblem', () => {
  it.each([
    'devices/d1/telemetry',
    'devices/+/telemetry',
    'devices/#',
    '#',
    '+',
    '+/+',
    '/leading/slash',
    'trailing/',
    'a//b',
    'devices/+/#',
    '$share/bus/devices/+/telemetry',
    '$SYS/broker/uptime',
  ])('accepts %s', (filter) => {
    expect(topicFilterProblem(filter)).toBeUndefined();
  });

  it.each([
    ['', /empty/],
    ['devices/#/telemetry', /# must be a whole level and the last one/],
    ['devices#', /# must be a whole level/],
    ['devices/a#', /# must be a whole level/],
    ['devices/d+/telemetry', /\+ must be a whole level/],
    ['devices/++', /\+ must be a whole level/],
    ['a/\u0000/b', /NUL/],
    ['$share/', /shared subscription/],
    ['$share/bus', /needs a filter/],
    ['$share/bus/', /needs a filter/],
    ['$share/b+/x', /the group without \+ or #/],
    ['$share/bus/a/#/b', /# must be a whole level/],
    ['x'.repeat(65_536), /at most 65535 bytes/],
  ])('refuses %j', (filter, problem) => {
    expect(topicFilterProblem(filter)).toMatch(problem);
  });
});

describe('topicNameProblem', () => {
  it.each(['devices/d1/telemetry', 'a', '/a/b/', 'a b/ü'])('accepts %s', (topic) => {
    expect(topicNameProblem(topic)).toBeUndefined();
  });

  it.each([
    ['', /empty/],
    ['devices/+/telemetry', /no wildcards/],
    ['devices/#', /no wildcards/],
    ['a+b', /no wildcards/],
    ['$SYS/x', /belong to the broker/],
    ['a\u0000b', /NUL/],
  ])('refuses %j', (topic, problem) => {
    expect(topicNameProblem(topic)).toMatch(problem);
  });
});

describe('topicMatches', () => {
  it.each([
    ['devices/+/telemetry', 'devices/d1/telemetry', true],
    ['devices/+/telemetry', 'devices/d1/status', false],
    ['devices/+/telemetry', 'devices/d1/x/telemetry', false],
    ['devices/+', 'devices/', true],
    ['devices/#', 'devices', true],
    ['devices/#', 'devices/d1/telemetry', true],
    ['devices/#', 'device', false],
    ['#', 'anything/at/all', true],
    ['#', '$SYS/broker', false],
    ['+/broker', '$SYS/broker', false],
    ['$SYS/#', '$SYS/broker', true],
    ['a/b', 'a/b', true],
    ['a/b', 'a/b/c', false],
    ['a/b/c', 'a/b', false],
    ['$share/bus/devices/+', 'devices/d1', true],
    ['$share/bus/devices/+', 'bus/devices/d1', false],
  ])('%s against %s: %s', (filter, topic, matches) => {
    expect(topicMatches(filter, topic)).toBe(matches);
  });
});
