/**
 * UTF-16 well-formedness for record strings: a string with an unpaired surrogate has no UTF-8
 * encoding (RFC 3629 §3), and `TextEncoder` would silently replace it with U+FFFD, changing
 * the bytes a signature covers.
 */

/** True when `s` contains an unpaired UTF-16 surrogate. */
export function hasLoneSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (d < 0xdc00 || d > 0xdfff) return true;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return true;
    }
  }
  return false;
}
