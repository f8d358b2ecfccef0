// Why a > 64-byte result costs what it costs: V8 allocates typed arrays of up to 64 bytes on its
// heap, larger ones (and every ArrayBuffer made through Node-API) off-heap. `node benchmark/allocation.mjs`
const cases = {
  'new Uint8Array(32)': () => new Uint8Array(32),
  'new Uint8Array(64)': () => new Uint8Array(64),
  'new Uint8Array(65)': () => new Uint8Array(65),
  'new Uint8Array(100)': () => new Uint8Array(100),
  'new Uint8Array(1024)': () => new Uint8Array(1024),
}
const N = 300_000
for (let round = 0; round < 3; round++) {
  for (const [name, make] of Object.entries(cases)) {
    let keep
    const start = process.hrtime.bigint()
    for (let i = 0; i < N; i++) keep = make()
    const ns = Number(process.hrtime.bigint() - start) / N
    if (round === 2 && keep) console.log(`${name.padEnd(24)} ${ns.toFixed(0).padStart(5)} ns`)
  }
}
