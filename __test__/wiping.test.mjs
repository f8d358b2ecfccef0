// Wiping: raw secret bytes the addon decodes (signer seeds, key secrets, sealer secrets) do not
// stay in memory after use, and a cached signing key is wiped where it lies when it is evicted
// (the cache's slots never move, so no copy is left behind by a hash table's rehash or removal).
//
// Each scenario runs in a child process that holds only the base58 strings of its secrets and then
// scans its own memory (/proc/self/mem) for the raw bytes: see helpers/wiping-child.mjs. Linux only
// (/proc).

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const child = fileURLToPath(new URL('./helpers/wiping-child.mjs', import.meta.url))
const run = (scenario) => JSON.parse(execFileSync(process.execPath, [child, scenario], { encoding: 'utf8' }))

describe('raw secrets are wiped', { skip: process.platform !== 'linux' && 'needs /proc/self/mem' }, () => {
  test('signing keys: evicted ones are gone, cached ones are found where they are cached', () => {
    const { found, count, scanned } = run('signerSecrets')
    assert.ok(scanned > 10_000_000, `scanned only ${scanned} bytes`)
    // The cache holds the last 512 of 600: exactly those seeds are in memory (which also shows that
    // the scan sees the addon's memory), and none of the 88 evicted ones.
    const cached = Array.from({ length: 512 }, (_, i) => count - 512 + i)
    assert.deepEqual(found, cached)
  })

  test('key secrets and sealer secrets: no decoded copy outlives the call', () => {
    for (const scenario of ['keySecrets', 'sealerSecrets']) {
      const { found, scanned } = run(scenario)
      assert.ok(scanned > 10_000_000, `scanned only ${scanned} bytes`)
      assert.deepEqual(found, [], `${scenario}: raw secrets left in memory`)
    }
  })
})
