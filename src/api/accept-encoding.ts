/**
 * `Accept-Encoding` negotiation for gzip (RFC 9110 §12.5.3), so entry bundles can be
 * "compressed at the HTTP layer" as C2SP tlog-tiles "Log entries" recommends.
 */

/**
 * True when an `Accept-Encoding` header value accepts `gzip` (or its alias `x-gzip`, RFC 9110
 * §8.4.1.3): listed with a non-zero quality, or, when not listed, covered by `*` with a non-zero
 * quality. A missing header accepts nothing but identity here (we never compress unasked).
 */
export function acceptsGzip(header: string | readonly string[] | undefined): boolean {
  if (header === undefined) return false;
  const value = typeof header === 'string' ? header : header.join(',');
  let gzip: number | undefined;
  let star: number | undefined;
  for (const item of value.split(',')) {
    const [rawCoding = '', ...params] = item.split(';');
    const coding = rawCoding.trim().toLowerCase();
    if (coding === '') continue;
    const q = quality(params);
    if (coding === 'gzip' || coding === 'x-gzip') gzip = Math.max(gzip ?? 0, q);
    else if (coding === '*') star = Math.max(star ?? 0, q);
  }
  if (gzip !== undefined) return gzip > 0;
  return star !== undefined && star > 0;
}

// RFC 9110 §12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ); a malformed
// weight is treated as 0 (not acceptable) rather than guessed.
function quality(params: readonly string[]): number {
  for (const p of params) {
    const [name = '', v = ''] = p.split('=', 2).map((s) => s.trim());
    if (name.toLowerCase() !== 'q') continue;
    return /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(v) ? Number(v) : 0;
  }
  return 1;
}
