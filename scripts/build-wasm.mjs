#!/usr/bin/env node
// `npm run build:wasm`: the WebAssembly build of the core, shipped inside the npm package.
//
//   wasm/pkg-node/  wasm-bindgen --target nodejs (CommonJS glue, .cjs): the fallback of the Node
//                   entry (lib/load.js), loaded synchronously; it reads wasm/pkg-web/'s .wasm
//   wasm/pkg-web/   wasm-bindgen --target web (ESM glue, .mjs, initSync): the edge entry
//                   (napi-crypto.edge.mjs) imports its .wasm as a module
//   wasm/esm/       lib/api.js, lib/wasm-binding.js, lib/provider.js as ES modules for that entry
//
// On a fresh machine it installs what it needs: the rustup target wasm32-unknown-unknown, and
// wasm-bindgen-cli at the version of the wasm-bindgen crate in Cargo.lock (compiled from crates.io
// into a cache directory: $COJSON_CORE_WASM_BINDGEN_DIR, else ~/.cache/cojson-core-napi/). wasm-opt
// comes from the npm devDependency `binaryen`. The outputs are build artifacts (git-ignored).
//
//   node scripts/build-wasm.mjs [--debug] [--no-opt]
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { ESM_SOURCES, toEsm } from './wasm-esm.mjs'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const CRATE = 'cojson-core-wasm-binding'
const STEM = 'cojson_core_wasm_binding'
const TARGET = 'wasm32-unknown-unknown'
const args = new Set(process.argv.slice(2))
const debug = args.has('--debug')
const optimize = !args.has('--no-opt') && !debug

function run(command, argv, options = {}) {
  console.error(`build:wasm: ${command} ${argv.join(' ')}`)
  const result = spawnSync(command, argv, { stdio: ['ignore', 'inherit', 'inherit'], cwd: ROOT, ...options })
  if (result.error) fail(`${command}: ${result.error.message}`)
  if (result.status !== 0) fail(`${command} exited with ${result.status ?? result.signal}`)
}

function fail(message) {
  console.error(`build:wasm: ${message}`)
  process.exit(1)
}

// --- the Rust target
const installed = spawnSync('rustup', ['target', 'list', '--installed'], { encoding: 'utf8' })
if (installed.error) fail('rustup is needed (https://rustup.rs) to add the wasm32-unknown-unknown target')
if (!installed.stdout.split('\n').includes(TARGET)) run('rustup', ['target', 'add', TARGET])

// --- wasm-bindgen-cli at the crate's version
const lock = readFileSync(join(ROOT, 'Cargo.lock'), 'utf8')
const locked = /\[\[package\]\]\nname = "wasm-bindgen"\nversion = "([^"]+)"/.exec(lock)
if (!locked) fail('Cargo.lock has no wasm-bindgen package (is wasm/ a workspace member?)')
const bindgenVersion = locked[1]
const cacheDir = process.env.COJSON_CORE_WASM_BINDGEN_DIR || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'cojson-core-napi')
const bindgenRoot = join(cacheDir, `wasm-bindgen-${bindgenVersion}`)
const bindgen = join(bindgenRoot, 'bin', process.platform === 'win32' ? 'wasm-bindgen.exe' : 'wasm-bindgen')
if (!existsSync(bindgen)) {
  // Not --locked: the CLI's own lockfile names a dependency version that is not on the registry.
  run('cargo', ['install', 'wasm-bindgen-cli', '--version', bindgenVersion, '--root', bindgenRoot])
}
const reported = spawnSync(bindgen, ['--version'], { encoding: 'utf8' }).stdout.trim()
if (!reported.endsWith(bindgenVersion)) fail(`${bindgen} reports "${reported}", expected ${bindgenVersion}`)

// --- the module
// The release profile strips symbols, which would drop the target_features section wasm-bindgen
// reads; wasm-opt strips what is not needed afterwards.
//
// Optimised for size (opt-level "s"), but the crates where the time goes at opt-level 3: the curve,
// hash and cipher arithmetic and the core itself. Measured against cojson-core-wasm 0.20.19
// (gzip -9 of its .wasm: 203,587 bytes): all crates at "s", 183 KB but verify 14% slower than it;
// these at 3 with LTO at "s", 206 KB but 10 KiB XSalsa20 3% slower; with LTO at 3 too (this
// crate's level), 219 KB (+8%) and no row slower; everything at 3, 229 KB (+12%).
const SPEED_CRATES = [
  ...['curve25519-dalek', 'ed25519-dalek', 'x25519-dalek', 'sha2', 'blake3', 'salsa20', 'poly1305', 'crypto_secretbox', 'cojson-core-napi'],
  // this crate: fat LTO optimises the whole module at the level of the crate it links
  CRATE,
  // the small crates their inner loops come from (block buffers, cipher and digest traits, wiping)
  ...['cipher', 'inout', 'crypto-common', 'generic-array', 'hybrid-array', 'block-buffer', 'digest', 'universal-hash', 'subtle', 'zeroize', 'constant_time_eq', 'arrayvec'],
]
const profile = debug ? [] : ['--release', ...SPEED_CRATES.flatMap((name) => ['--config', `profile.release.package.${name}.opt-level=3`])]
run('cargo', ['build', '--locked', '-p', CRATE, '--target', TARGET, ...profile], {
  env: { ...process.env, CARGO_PROFILE_RELEASE_STRIP: 'false', CARGO_PROFILE_RELEASE_OPT_LEVEL: 's' },
})
const built = join(ROOT, 'target', TARGET, debug ? 'debug' : 'release', `${STEM}.wasm`)

const outDirs = { nodejs: join(ROOT, 'wasm', 'pkg-node'), web: join(ROOT, 'wasm', 'pkg-web') }
for (const [target, dir] of Object.entries(outDirs)) {
  rmSync(dir, { recursive: true, force: true })
  // --experimental-reset-state-function: __wbg_reset_state(), a fresh instance after a trap.
  run(bindgen, [built, '--target', target, '--out-dir', dir, '--no-typescript', '--weak-refs', '--experimental-reset-state-function'])
}
// Names that say the module format whatever the package's "type" is.
renameSync(join(outDirs.nodejs, `${STEM}.js`), join(outDirs.nodejs, `${STEM}.cjs`))
renameSync(join(outDirs.web, `${STEM}.js`), join(outDirs.web, `${STEM}.mjs`))
const nodeGlue = join(outDirs.nodejs, `${STEM}.cjs`)
const nodeWasm = join(outDirs.nodejs, `${STEM}_bg.wasm`)
const webWasm = join(outDirs.web, `${STEM}_bg.wasm`)
if (!readFileSync(nodeGlue, 'utf8').includes('__wbg_reset_state')) fail('the glue has no __wbg_reset_state')
if (!readFileSync(nodeWasm).equals(readFileSync(webWasm))) fail('wasm-bindgen wrote different modules for nodejs and web')

// One .wasm in the package: the CommonJS glue reads wasm/pkg-web/'s (the only line changed in it).
const wasmPathLine = `const wasmPath = \`\${__dirname}/${STEM}_bg.wasm\`;`
const glueSource = readFileSync(nodeGlue, 'utf8')
if (glueSource.split(wasmPathLine).length !== 2) fail(`${nodeGlue}: expected the line ${wasmPathLine} once`)
writeFileSync(nodeGlue, glueSource.replace(wasmPathLine, `const wasmPath = \`\${__dirname}/../pkg-web/${STEM}_bg.wasm\`;`))
rmSync(nodeWasm)

if (optimize) {
  const wasmOpt = join(ROOT, 'node_modules', '.bin', process.platform === 'win32' ? 'wasm-opt.cmd' : 'wasm-opt')
  if (!existsSync(wasmOpt)) fail('wasm-opt is missing: run npm install (devDependency binaryen)')
  const optimized = join(outDirs.web, `${STEM}_bg.opt.wasm`)
  run(wasmOpt, [webWasm, '-O3', '--strip-debug', '--strip-producers', '--strip-target-features', '-o', optimized])
  renameSync(optimized, webWasm)
}

// --- ES module copies of the binding-agnostic JS layer, for the edge entry
const esmDir = join(ROOT, 'wasm', 'esm')
rmSync(esmDir, { recursive: true, force: true })
mkdirSync(esmDir, { recursive: true })
for (const name of ESM_SOURCES) {
  try {
    writeFileSync(join(esmDir, `${name}.mjs`), toEsm(readFileSync(join(ROOT, 'lib', `${name}.js`), 'utf8'), `lib/${name}.js`))
  } catch (error) {
    fail(error.message)
  }
}

const raw = statSync(webWasm).size
const gzip = gzipSync(readFileSync(webWasm), { level: 9 }).length
console.error(`build:wasm: ${webWasm}: ${raw} bytes, ${gzip} gzip -9 (wasm-bindgen ${bindgenVersion}${optimize ? ', wasm-opt -O3' : ''})`)
