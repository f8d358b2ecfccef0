// Real edge runtimes from npm, on 127.0.0.1 only: Cloudflare's workerd (through miniflare) and
// Vercel's edge-runtime, each running __test__/fixtures/edge-worker.mjs bundled as the platforms'
// own tools bundle an app that installed this package:
//
//   * workerd: esbuild with wrangler's conditions (workerd, worker, browser), so package.json
//     `exports` gives napi-crypto.edge.mjs; its `import … from '….wasm?module'` stays a module of
//     its own (a CompiledWasm module, as wrangler uploads it). workerd itself refuses random values
//     at global scope, so a key drawn at import time would fail the worker.
//   * edge-runtime: esbuild with Vercel's conditions (edge-light, worker, browser); the `?module`
//     import becomes the precompiled WebAssembly.Module the platform injects (as Next.js does), and
//     the VM refuses code generation from strings and wasm bytes, as Vercel Edge does.
//
// Each worker signs, verifies, encrypts, seals and builds a SessionMap with the package, and with
// `?provider` also runs NapiCrypto (cojson bundled in). Needs `npm run build:wasm`.

import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const ROOT = fileURLToPath(new URL('..', import.meta.url))
const WASM = join(ROOT, 'wasm', 'pkg-web', 'cojson_core_wasm_binding_bg.wasm')
// `npm test` builds it first; run directly, a missing build fails here rather than skipping.
if (!existsSync(WASM)) throw new Error('the WebAssembly build is not there: run `npm run build:wasm` (`npm test` does)')
const FIXTURE = fileURLToPath(new URL('./fixtures/edge-worker.mjs', import.meta.url))

/** An app directory whose node_modules/cojson-core-napi is this package (as after npm install). */
function appDir() {
  const dir = mkdtempSync(join(tmpdir(), 'cojson-core-edge-'))
  mkdirSync(join(dir, 'node_modules'))
  symlinkSync(ROOT, join(dir, 'node_modules', 'cojson-core-napi'))
  return dir
}

async function bundle(dir, { conditions, wrapper, wasmImport, format = 'esm' }) {
  const esbuild = require('esbuild')
  const result = await esbuild.build({
    stdin: { contents: `import { handle } from ${JSON.stringify(FIXTURE)}\n${wrapper}`, resolveDir: dir, sourcefile: 'worker-entry.mjs' },
    bundle: true,
    write: false,
    format,
    platform: 'neutral',
    mainFields: ['module', 'main'],
    conditions,
    target: 'es2022',
    nodePaths: [join(dir, 'node_modules'), join(ROOT, 'node_modules')],
    logLevel: 'silent',
    plugins: [
      {
        name: 'wasm-module',
        setup(build) {
          build.onResolve({ filter: /\.wasm\?module$/ }, wasmImport)
          build.onLoad({ filter: /.*/, namespace: 'injected-wasm' }, () => ({ contents: 'export default globalThis.__cojsonCoreWasmModule', loader: 'js' }))
        },
      },
    ],
  })
  const text = result.outputFiles[0].text
  // The bundle must hold the edge entry, never the Node one (whose loader requires node:path).
  assert.match(text, /napi-crypto\.edge\.mjs/)
  assert.doesNotMatch(text, /lib\/load\.js/)
  return text
}

// workerd is published for these platforms only (@cloudflare/workerd-* in package-lock.json).
const WORKERD_PLATFORMS = ['darwin-x64', 'darwin-arm64', 'linux-x64', 'linux-arm64', 'win32-x64']
const noWorkerd = !WORKERD_PLATFORMS.includes(`${process.platform}-${process.arch}`) && `workerd publishes no binary for ${process.platform}-${process.arch}`

describe('workerd (Cloudflare Workers) through miniflare', { timeout: 180_000, skip: noWorkerd }, () => {
  let mf = null
  let url = null
  let dir = null
  before(async () => {
    dir = appDir()
    const code = await bundle(dir, {
      conditions: ['workerd', 'worker', 'browser'],
      wrapper: 'export default { fetch: (request) => handle(request) }',
      wasmImport: () => ({ path: './cojson_core_wasm_binding_bg.wasm', external: true }),
    })
    const { Miniflare } = await import('miniflare')
    mf = new Miniflare({
      modulesRoot: dir,
      modules: [
        { type: 'ESModule', path: join(dir, 'worker.mjs'), contents: code },
        { type: 'CompiledWasm', path: join(dir, 'cojson_core_wasm_binding_bg.wasm'), contents: readFileSync(WASM) },
      ],
      compatibilityDate: '2025-09-01',
      host: '127.0.0.1',
      port: 0,
    })
    url = await mf.ready
  })
  after(async () => {
    if (mf) await mf.dispose()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  test('the worker answers on 127.0.0.1: sign, verify, encrypt, seal, SessionMap on the WebAssembly build', async () => {
    assert.equal(url.hostname, '127.0.0.1')
    const response = await fetch(new URL('/raw', url), { signal: AbortSignal.timeout(30_000) })
    const body = await response.json()
    assert.equal(response.status, 200, JSON.stringify(body))
    assert.equal(body.info.kind, 'wasm')
    assert.equal(body.info.target, 'wasm32-unknown-unknown')
    assert.equal(body.runtime.finalizationRegistry, true, 'no FinalizationRegistry: SessionMaps would never be freed')
    for (const [name, ok] of Object.entries(body.checks)) assert.equal(ok, true, name)
    assert.ok(Object.keys(body.checks).length >= 10)
  })

  test('NapiCrypto (cojson bundled in) on workerd', async () => {
    const response = await fetch(new URL('/provider?provider', url), { signal: AbortSignal.timeout(30_000) })
    const body = await response.json()
    assert.equal(response.status, 200, JSON.stringify(body))
    for (const name of ['NapiCrypto sign/verify', 'NapiCrypto encrypt/decrypt', 'NapiCrypto createSessionMap']) assert.equal(body.checks[name], true, name)
  })

  test('many requests on one instance (keys drawn per request, not at startup)', async () => {
    for (let i = 0; i < 20; i++) {
      const response = await fetch(new URL(`/again/${i}`, url), { signal: AbortSignal.timeout(30_000) })
      const body = await response.json()
      assert.equal(response.status, 200, JSON.stringify(body))
    }
  })
})

describe("Vercel's edge-runtime", { timeout: 180_000 }, () => {
  let server = null
  let dir = null
  before(async () => {
    dir = appDir()
    const code = await bundle(dir, {
      conditions: ['edge-light', 'worker', 'browser'],
      wrapper: "addEventListener('fetch', (event) => event.respondWith(handle(event.request)))",
      wasmImport: () => ({ path: 'cojson-core-wasm-module', namespace: 'injected-wasm' }),
      // The runtime evaluates a script, as Vercel's bundles are.
      format: 'iife',
    })
    const { EdgeRuntime, runServer } = await import('edge-runtime')
    // Compiled out here (the VM may not compile it), and made a module of the VM's own realm, as
    // the platform's precompiled modules are (wasm-bindgen's glue checks `instanceof`).
    const wasmModule = new WebAssembly.Module(readFileSync(WASM))
    const runtime = new EdgeRuntime({ codeGeneration: { strings: false, wasm: false } })
    Object.setPrototypeOf(wasmModule, runtime.evaluate('WebAssembly.Module.prototype'))
    runtime.context.__cojsonCoreWasmModule = wasmModule
    runtime.evaluate(code)
    server = await runServer({ runtime, host: '127.0.0.1', port: 0 })
  })
  after(async () => {
    if (server) await server.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  test('the edge function answers on 127.0.0.1: sign, verify, encrypt, seal, SessionMap on the WebAssembly build', async () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+/)
    const response = await fetch(new URL('/raw', server.url), { signal: AbortSignal.timeout(30_000) })
    const body = await response.json()
    assert.equal(response.status, 200, JSON.stringify(body))
    assert.equal(body.info.kind, 'wasm')
    assert.equal(body.runtime.finalizationRegistry, true, 'no FinalizationRegistry: SessionMaps would never be freed')
    for (const [name, ok] of Object.entries(body.checks)) assert.equal(ok, true, name)
    assert.ok(Object.keys(body.checks).length >= 10)
  })

  test('NapiCrypto (cojson bundled in) on edge-runtime', async () => {
    const response = await fetch(new URL('/provider?provider', server.url), { signal: AbortSignal.timeout(30_000) })
    const body = await response.json()
    assert.equal(response.status, 200, JSON.stringify(body))
    for (const name of ['NapiCrypto sign/verify', 'NapiCrypto encrypt/decrypt', 'NapiCrypto createSessionMap']) assert.equal(body.checks[name], true, name)
  })

  test('compiling WebAssembly from bytes is refused there (why the .wasm is imported as a module)', () => {
    const { EdgeRuntime } = require('edge-runtime')
    const runtime = new EdgeRuntime({ codeGeneration: { strings: false, wasm: false } })
    const bytes = readFileSync(WASM)
    assert.throws(() => runtime.evaluate(`new WebAssembly.Module(new Uint8Array([${Array.from(bytes.subarray(0, 8)).join(',')}]))`))
  })
})
