/**
 * UTF-16 well-formedness for record strings: a string with an unpaired surrogate has no UTF-8
 * encoding (RFC 3629 §3), and `TextEncoder` would silently replace it with U+FFFD, changing
 * the bytes a signature covers.
 */

export { hasLoneSurrogate } from '../bytes.ts';
