// A small side-by-side benchmark harness: implementations of one operation are measured in
// interleaved rounds (so drift on a shared machine hits all of them alike) and reported as
// median ops/s plus the ratio to a baseline implementation.
import os from 'node:os'

const QUICK = process.env.BENCH_QUICK === '1'
const ROUNDS = Number(process.env.BENCH_ROUNDS || (QUICK ? 5 : 15))
const SAMPLE_MS = Number(process.env.BENCH_SAMPLE_MS || (QUICK ? 10 : 30))

function now() {
  return Number(process.hrtime.bigint()) / 1e6
}

/** The q-quantile (0..1) of `values`, interpolated. */
function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (sorted.length - 1) * q
  const lo = Math.floor(at)
  return sorted[lo] + (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]) * (at - lo)
}

function median(values) {
  return quantile(values, 0.5)
}

// How many calls of `fn` fit in about SAMPLE_MS.
function calibrate(fn) {
  let iterations = 1
  for (;;) {
    const start = now()
    for (let i = 0; i < iterations; i++) fn()
    const elapsed = now() - start
    if (elapsed >= SAMPLE_MS / 4 || iterations >= 1 << 24) {
      return Math.max(1, Math.round((iterations * SAMPLE_MS) / Math.max(elapsed, 0.001)))
    }
    iterations *= 4
  }
}

/**
 * Measures one operation.
 * @param {object} spec
 * @param {string} spec.name
 * @param {Record<string, () => unknown>} spec.impls  implementation name → function doing one op
 * @param {string} spec.baseline  name of the implementation ratios are taken against
 * @param {number} [spec.opsPerCall]  how many operations one call performs (default 1)
 */
export function run(spec) {
  const names = Object.keys(spec.impls)
  const perCall = spec.opsPerCall ?? 1
  const iterations = Object.fromEntries(names.map((n) => [n, calibrate(spec.impls[n])]))
  const samples = Object.fromEntries(names.map((n) => [n, []]))
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 ? [...names].reverse() : names
    for (const name of order) {
      const fn = spec.impls[name]
      const n = iterations[name]
      const start = now()
      for (let i = 0; i < n; i++) fn()
      const elapsed = now() - start
      samples[name].push(((n * perCall) / elapsed) * 1000)
    }
  }
  const medians = Object.fromEntries(names.map((n) => [n, median(samples[n])]))
  // Ratios of ours to the baseline within each round (the two ran back to back): their spread is
  // the run's noise for this row.
  const ratios = samples.ours.map((x, i) => x / samples[spec.baseline][i])
  // Our WebAssembly build against cojson-core-wasm, the same way, where the row has both.
  const wasmRatios = samples['ours-wasm'] && samples.wasm ? samples['ours-wasm'].map((x, i) => x / samples.wasm[i]) : null
  return {
    name: spec.name,
    medians,
    baseline: spec.baseline,
    ratio: median(ratios),
    ratioLow: quantile(ratios, 0.25),
    ratioHigh: quantile(ratios, 0.75),
    ...(wasmRatios && { wasmRatio: median(wasmRatios), wasmRatioLow: quantile(wasmRatios, 0.25), wasmRatioHigh: quantile(wasmRatios, 0.75) }),
  }
}

export function formatOps(ops) {
  if (ops >= 1e6) return (ops / 1e6).toFixed(2) + 'M'
  if (ops >= 1e3) return (ops / 1e3).toFixed(1) + 'k'
  if (ops >= 10) return ops.toFixed(0)
  return ops.toFixed(2)
}

/**
 * Prints a markdown table: one row per result, one column per implementation seen, then the
 * median of the per-round ratios ours / upstream with their interquartile range; a row whose range
 * includes 1 is marked "within noise".
 */
export function printTable(results, columns) {
  // `ours-wasm / wasm`: our WebAssembly build against cojson-core-wasm (rows that have both).
  const wasm = results.some((r) => r.wasmRatio !== undefined)
  const header = ['operation', ...columns, 'ours / upstream', 'spread (IQR)', '', ...(wasm ? ['ours-wasm / wasm', 'spread (IQR)'] : [])]
  const rows = results.map((r) => {
    const cells = columns.map((c) => (r.medians[c] === undefined ? '–' : formatOps(r.medians[c])))
    const noise = r.ratioLow <= 1 && r.ratioHigh >= 1 ? 'within noise' : ''
    const wasmCells = !wasm ? [] : r.wasmRatio === undefined ? ['–', ''] : [r.wasmRatio.toFixed(2) + '×', `${r.wasmRatioLow.toFixed(2)}–${r.wasmRatioHigh.toFixed(2)}×`]
    return [r.name, ...cells, r.ratio.toFixed(2) + '×', `${r.ratioLow.toFixed(2)}–${r.ratioHigh.toFixed(2)}×`, noise, ...wasmCells]
  })
  const line = (cells) => '| ' + cells.join(' | ') + ' |'
  console.log(line(header))
  console.log(line(header.map((_, i) => (i === 0 ? '---' : '--:'))))
  for (const row of rows) console.log(line(row))
}

export function environment(versions) {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU'
  return [
    `date: ${new Date().toISOString().slice(0, 10)}`,
    `machine: ${cpu}, ${os.cpus().length} cores, ${os.platform()} ${os.release()}`,
    `node: ${process.version}`,
    ...Object.entries(versions).map(([k, v]) => `${k}: ${v}`),
    `rounds: ${ROUNDS} × ~${SAMPLE_MS} ms per implementation, interleaved; medians of ops/s`,
  ].join('\n')
}

export function assertEqualBytes(what, a, b) {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  if (!x.equals(y)) throw new Error(`benchmark inputs disagree for ${what}: ${x.toString('hex')} != ${y.toString('hex')}`)
}

export function assertEqual(what, a, b) {
  if (JSON.stringify(a) !== JSON.stringify(b)) {
    throw new Error(`benchmark outputs disagree for ${what}: ${JSON.stringify(a)} != ${JSON.stringify(b)}`)
  }
}
