// `npm run build` (and `prepare`, which `npm install` runs in a clone): builds the addon for this
// machine with the napi CLI. Says plainly what is missing when Rust is not installed, instead of
// the CLI's "cargo metadata failed to run".
//
//   node scripts/build.mjs [--debug] [extra napi build arguments]
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const cargo = spawnSync(process.env.CARGO || 'cargo', ['--version'], { encoding: 'utf8' })
if (cargo.error || cargo.status !== 0) {
  console.error(
    [
      'cojson-core-napi: building the native addon from source needs Rust (cargo), and none was found',
      `(${cargo.error ? cargo.error.code : `cargo --version exited with ${cargo.status}`}).`,
      'Install Rust with rustup (https://rustup.rs), then run `npm install` (or `npm run build`) again.',
      'Apps that install the published package do not need Rust: npm installs a prebuilt binary.',
    ].join('\n'),
  )
  process.exit(1)
}
const args = process.argv.slice(2)
const debug = args.includes('--debug')
const napi = ['build', '--platform', ...(debug ? [] : ['--release']), '--js', 'index.js', '--dts', 'index.d.ts', ...args.filter((a) => a !== '--debug')]
const bin = fileURLToPath(new URL('../node_modules/@napi-rs/cli/dist/cli.js', import.meta.url))
const build = spawnSync(process.execPath, [bin, ...napi], { cwd: root, stdio: 'inherit' })
process.exit(build.status ?? 1)
