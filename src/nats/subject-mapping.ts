/**
 * MQTT topic ⇄ NATS subject, as nats-server's MQTT layer converts them (server source
 * `mqtt.go`, `mqttToNATSSubjectConversion`; docs "MQTT topics and NATS subjects"): a topic
 * level separator `/` becomes the subject token separator `.`, a `.` inside a level becomes
 * `//`, an empty level becomes the token `/`, and the filter wildcards `+` and `#` become `*`
 * and `>`. Topics with a space cannot be mapped.
 *
 * nats-server 2.9.x refuses MQTT topics that contain a `.` (it closes the connection); the
 * `//` rule is that of later servers and is kept here so that both directions stay inverse.
 */

/** One MQTT topic level as a subject token. */
function levelToToken(level: string): string {
  if (level === '') return '/';
  return level.replaceAll('.', '//');
}

/** One subject token as an MQTT topic level. */
function tokenToLevel(token: string): string {
  if (token === '/') return '';
  return token.replaceAll('//', '.');
}

function checkMappable(what: string, s: string): void {
  if (typeof s !== 'string' || s.length === 0) throw new RangeError(`empty MQTT ${what}`);
  if (/[\s]/.test(s)) throw new RangeError(`MQTT ${what} with white space has no subject: "${s}"`);
}

/**
 * The subject an MQTT topic name is published on: `wattproof/v1/meters/m1/readings` →
 * `wattproof.v1.meters.m1.readings`. Throws RangeError for a topic with wildcards or spaces.
 */
export function topicToSubject(topic: string): string {
  checkMappable('topic', topic);
  if (/[+#]/.test(topic)) throw new RangeError(`an MQTT topic name has no wildcards: "${topic}"`);
  return topic.split('/').map(levelToToken).join('.');
}

/**
 * The subject filter of an MQTT topic filter (MQTT 3.1.1 §4.7): `<root>/meters/+/readings` →
 * `<root>.meters.*.readings`, a trailing `#` → `>`. Throws RangeError for a filter with a
 * space or a `$share/` prefix (shared subscriptions are split by the durable consumer instead).
 */
export function filterToSubject(filter: string): string {
  checkMappable('topic filter', filter);
  if (filter.startsWith('$share/')) {
    throw new RangeError(
      `shared subscriptions have no subject; give the plain filter: "${filter}"`,
    );
  }
  return filter
    .split('/')
    .map((l) => (l === '+' ? '*' : l === '#' ? '>' : levelToToken(l)))
    .join('.');
}

/** The MQTT topic a message on `subject` was published on: the inverse of {@link topicToSubject}. */
export function subjectToTopic(subject: string): string {
  return subject.split('.').map(tokenToLevel).join('/');
}
