// The seeded pseudo-random generator the randomized tests share (mulberry32): small, fast and
// reproducible from a printed seed.

export function mulberry32(seed) {
  let a = seed >>> 0
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** FNV-1a of a string: derives independent streams from one seed (`saltedSeed(seed, 'sign')`). */
export function saltedSeed(seed, salt) {
  let h = 2166136261
  for (let i = 0; i < salt.length; i++) h = Math.imul(h ^ salt.charCodeAt(i), 16777619)
  return (seed ^ h) >>> 0
}

export class Rng {
  constructor(seed) {
    this.next = mulberry32(seed)
  }
  int(n) {
    return Math.floor(this.next() * n)
  }
  range(lo, hi) {
    return lo + this.int(hi - lo + 1)
  }
  bool(p = 0.5) {
    return this.next() < p
  }
  pick(list) {
    return list[this.int(list.length)]
  }
  bytes(n) {
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i++) out[i] = this.int(256)
    return out
  }
  shuffle(list) {
    const out = list.slice()
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1)
      ;[out[i], out[j]] = [out[j], out[i]]
    }
    return out
  }
  /** A weighted choice: [[weight, value], ...]. */
  weighted(choices) {
    let total = 0
    for (const [w] of choices) total += w
    let r = this.next() * total
    for (const [w, v] of choices) {
      if ((r -= w) < 0) return v
    }
    return choices[choices.length - 1][1]
  }
}

/**
 * The seed of a randomized test file: `process.env[variable]` when set (to reproduce a failure),
 * else a fresh random one. Printed either way, with the command that reproduces the run.
 */
export function seedFrom(variable, file) {
  const given = process.env[variable]
  const seed = given !== undefined && given !== '' ? Number(given) >>> 0 : Math.floor(Math.random() * 2 ** 32) >>> 0
  console.log(`# ${file}: seed ${seed} (reproduce with ${variable}=${seed})`)
  return seed
}
