// The loader: when no native binary loads, the package entry explains what it detected, what
// it tried and why each attempt failed, and what to do.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { createRequire } from 'node:module'

const entry = fileURLToPath(new URL('../napi-crypto.js', import.meta.url))

test('a binary that cannot be loaded gives ERR_NATIVE_BINDING_NOT_FOUND with a full explanation', () => {
  const script = `
    try { require(${JSON.stringify(entry)}); console.log('LOADED') }
    catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message, cause: String(e.cause && e.cause.message) })) }
  `
  const child = spawnSync(process.execPath, ['-e', script], {
    env: { ...process.env, NAPI_RS_NATIVE_LIBRARY_PATH: '/nonexistent/cojson-core-napi.node' },
    encoding: 'utf8',
  })
  assert.equal(child.status, 0, child.stderr)
  const result = JSON.parse(child.stdout)
  assert.equal(result.code, 'ERR_NATIVE_BINDING_NOT_FOUND')
  assert.match(result.message, new RegExp(`no native binary could be loaded for ${process.platform}-${process.arch}`))
  assert.match(result.message, /Tried, in order:\n {2}- Cannot find module '\/nonexistent\/cojson-core-napi\.node'/)
  assert.match(result.message, /NAPI_RS_NATIVE_LIBRARY_PATH/)
  assert.match(result.message, /reinstall without --omit=optional/)
  if (process.platform === 'linux') assert.match(result.message, /\((glibc|musl)\)/)
})

test('NAPI_RS_NATIVE_LIBRARY_PATH is honoured', () => {
  const dir = fileURLToPath(new URL('..', import.meta.url))
  const built = readdirSync(dir).filter((f) => /^cojson-core-napi\..+\.node$/.test(f))
  assert.equal(built.length, 1, `expected one built binary in the package directory, found ${built.join(', ')}`)
  const binary = join(dir, built[0])
  const script = `const m = require(${JSON.stringify(entry)}); console.log(Buffer.from(m.blake3HashOnce(new TextEncoder().encode('abc'))).toString('hex'))`
  const child = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, NAPI_RS_NATIVE_LIBRARY_PATH: binary }, encoding: 'utf8' })
  assert.equal(child.status, 0, child.stderr)
  assert.equal(child.stdout.trim(), '6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85')
})

test("another publisher's binary under the same name is refused with ERR_NATIVE_BINDING_MISMATCH", (t) => {
  // The published 0.20.19 platform package is installed for the differential tests.
  let upstreamBinary
  try {
    upstreamBinary = createRequire(import.meta.url).resolve('cojson-core-napi-linux-x64-gnu/cojson-core-napi.linux-x64-gnu.node')
  } catch {
    t.skip('the published linux-x64-gnu platform package is not installed (only on linux-x64)')
    return
  }
  const script = `try { require(${JSON.stringify(entry)}); console.log('LOADED') } catch (e) { console.log(e.code) }`
  const child = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, NAPI_RS_NATIVE_LIBRARY_PATH: upstreamBinary }, encoding: 'utf8' })
  assert.equal(child.status, 0, child.stderr)
  assert.equal(child.stdout.trim(), 'ERR_NATIVE_BINDING_MISMATCH')
})
