/**
 * MQTT topic names and filters (MQTT 3.1.1 section 4.7, MQTT 5 section 4.7): checked offline, when a route loads, so
 * that a filter the broker would refuse, or one that silently matches nothing, is reported with its route instead of
 * failing at subscription time.
 */

/** A topic is at most 65,535 bytes of UTF-8 (its length prefix is two bytes). */
const MAX_BYTES = 65_535;

/** `$share/<group>/<filter>`: a shared subscription (MQTT 5; Mosquitto also takes it on 3.1.1). */
const SHARE_PREFIX = '$share/';

/** Why `filter` is not a valid subscription filter, or undefined when it is. */
export function topicFilterProblem(filter: string): string | undefined {
  const common = commonProblem(filter);
  if (common) return common;
  let rest = filter;
  if (filter.startsWith(SHARE_PREFIX)) {
    const slash = filter.indexOf('/', SHARE_PREFIX.length);
    const group = filter.slice(SHARE_PREFIX.length, slash < 0 ? undefined : slash);
    if (group === '' || /[+#]/.test(group)) return 'a shared subscription is $share/<group>/<filter>, the group without + or #';
    rest = slash < 0 ? '' : filter.slice(slash + 1);
    if (rest === '') return 'a shared subscription needs a filter after $share/<group>/';
  }
  const levels = rest.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i];
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) return '# must be a whole level and the last one';
    if (level.includes('+') && level !== '+') return '+ must be a whole level (a/+/c, not a/b+/c)';
  }
  return undefined;
}

/** Why `topic` cannot be published to, or undefined when it can. */
export function topicNameProblem(topic: string): string | undefined {
  const common = commonProblem(topic);
  if (common) return common;
  if (/[+#]/.test(topic)) return 'a topic to publish to has no wildcards (+ or #)';
  // Brokers keep $-topics ($SYS/...) for themselves and refuse, or drop, what clients publish there.
  if (topic.startsWith('$')) return 'topics starting with $ belong to the broker';
  return undefined;
}

/**
 * Whether a message's topic matches a filter (`$share/<group>/` prefix ignored): `+` is one level, `#` the rest of
 * them and the parent level too (`a/#` matches `a`), and a wildcard never matches the first level of a `$` topic.
 */
export function topicMatches(filter: string, topic: string): boolean {
  const f = (filter.startsWith(SHARE_PREFIX) ? filter.slice(filter.indexOf('/', SHARE_PREFIX.length) + 1) : filter).split('/');
  const t = topic.split('/');
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

function commonProblem(topic: string): string | undefined {
  if (topic === '') return 'a topic cannot be empty';
  if (topic.includes('\u0000')) return 'a topic cannot contain the NUL character';
  if (Buffer.byteLength(topic, 'utf8') > MAX_BYTES) return `a topic is at most ${MAX_BYTES} bytes`;
  return undefined;
}
