/**
 * MQTT topic filters with the `+` and `#` wildcards (MQTT 5 §4.7, 3.1.1 §4.7).
 */

/**
 * True when `topic` matches `filter`: `+` matches exactly one level, a trailing `#` matches
 * the parent level and any number of levels below it (§4.7.1.2), and a filter starting with a
 * wildcard does not match a topic starting with `$` (§4.7.2). A shared-subscription prefix
 * `$share/<group>/` (MQTT 5 §4.8.2) is ignored.
 */
export function topicMatches(filter: string, topic: string): boolean {
  const shared = /^\$share\/[^/]+\//.exec(filter);
  const f = (shared === null ? filter : filter.slice(shared[0].length)).split('/');
  const t = topic.split('/');
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === '#') return i === f.length - 1;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}

/**
 * Checks that `filter` is a well-formed topic filter (§4.7.1): non-empty, `#` only as the
 * whole last level, `+` only as a whole level. Throws RangeError otherwise.
 */
export function assertTopicFilter(filter: string): void {
  if (typeof filter !== 'string' || filter.length === 0) {
    throw new RangeError('a topic filter must be a non-empty string');
  }
  const levels = filter.split('/');
  levels.forEach((level, i) => {
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) {
      throw new RangeError(`topic filter "${filter}": "#" must be the whole last level`);
    }
    if (level.includes('+') && level !== '+') {
      throw new RangeError(`topic filter "${filter}": "+" must be a whole level`);
    }
  });
}

/**
 * True when every topic name that `filter` matches is also matched by `grant` (both topic
 * filters, §4.7): a subscription to `filter` then receives nothing `grant` does not allow.
 * `+` in the grant covers one level of anything but `#`; a trailing `#` in the grant covers
 * the rest; a literal level covers only itself.
 */
export function filterCovers(grant: string, filter: string): boolean {
  const g = grant.split('/');
  const f = filter.split('/');
  for (let i = 0; i < g.length; i++) {
    const level = g[i];
    if (level === '#') return i === g.length - 1;
    if (i >= f.length) return false;
    const asked = f[i];
    if (asked === '#') return false;
    if (level !== '+' && level !== asked) return false;
  }
  return g.length === f.length;
}
