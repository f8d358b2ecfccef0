// Small byte helpers the bad-input and secrets tests share.

export const utf8 = (s) => new TextEncoder().encode(s)
export const hex = (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
export const latin1 = (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1')

export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** Deterministic bytes; the first byte is never 0 for seeds 0..35 (so base58 has no leading '1'). */
export const det = (n, seed) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 7 + 1) & 255)
