// First setup file: the environment, and the per-file call counts (written after the file's tests).
import { writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { basename, join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'

// Node < 22 has no Promise.withResolvers; three tests need it.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers() {
    let resolve, reject
    const promise = new this((res, rej) => {
      resolve = res
      reject = rej
    })
    return { promise, resolve, reject }
  }
}

// Fresh counts for this test file (setup files run again for every file).
globalThis.__cojsonSuite = { core: {}, provider: {}, methods: {}, providers: [], coreModule: null }

let file = null
beforeAll((suite) => {
  file = suite?.file?.filepath ?? suite?.filepath ?? null
})

afterAll(() => {
  const dir = process.env.COJSON_SUITE_STATS
  if (!dir || !file) return
  // The cojson-core-napi native binaries this process loaded (require's cache is Node's, shared by
  // every CommonJS loader in the process): proof of which binary the tests ran on.
  const addons = Object.keys(createRequire(import.meta.url).cache).filter((p) => p.endsWith('.node') && p.includes('cojson-core-napi'))
  const out = { file: basename(file), pid: process.pid, addons, ...globalThis.__cojsonSuite }
  writeFileSync(join(dir, `${basename(file)}.${process.pid}.${Date.now()}.json`), JSON.stringify(out))
})
