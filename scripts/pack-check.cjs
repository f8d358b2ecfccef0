'use strict'
// Asserts what each npm tarball would contain, before anything is packed for real or published.
//
//   node scripts/pack-check.cjs [--require-binaries] DIR...
//
// DIR is the root package (its package.json has `napi`) or a platform package (npm/<platform>).
// Runs `npm pack --dry-run --json --ignore-scripts` in each DIR and checks the exact file list:
//   root:      package.json, index.js, index.d.ts, napi-crypto.js (+ README.md, LICENSE if present);
//              `optionalDependencies` name every platform package of `napi.targets` at the root's
//              version; no .node file.
//   platform:  package.json and its one `main` binary <binaryName>.<platform>.node (+ README.md,
//              LICENSE); same version as the root; `os` and `cpu` present, and `libc` for -gnu/-musl.
// A platform DIR without its binary fails; --require-binaries also fails if DIR lists fewer
// platform packages than napi.targets (use it before publishing).
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const args = process.argv.slice(2)
let requireAll = false
if (args[0] === '--require-binaries') {
  requireAll = true
  args.shift()
}
if (args.length === 0) {
  console.error('usage: node scripts/pack-check.cjs [--require-binaries] DIR...')
  process.exit(2)
}

const OPTIONAL = new Set(['README.md', 'LICENSE', 'LICENSE.md', 'LICENSE.txt'])
const ROOT_FILES = ['index.d.ts', 'index.js', 'lib/native.js', 'lib/provider.js', 'napi-crypto.d.ts', 'napi-crypto.js', 'package.json']
let failures = 0
const platformsSeen = []

function packList(dir) {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
  const out = execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const [info] = JSON.parse(out)
  return info
}

function expectFiles(label, actual, required) {
  const errors = []
  const have = new Set(actual)
  for (const f of required) if (!have.has(f)) errors.push(`missing ${f}`)
  for (const f of actual) if (!required.includes(f) && !OPTIONAL.has(f)) errors.push(`unexpected ${f}`)
  return errors
}

const pkgs = args.map((dir) => ({ dir: path.resolve(dir), json: JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) }))
const root = pkgs.find((p) => p.json.napi)
const rootJson = root ? root.json : null

for (const { dir, json } of pkgs) {
  const info = packList(dir)
  const files = info.files.map((f) => f.path).sort()
  let errors
  if (json.napi) {
    errors = expectFiles(json.name, files, ROOT_FILES)
    const targets = json.napi.targets
    const binaryName = json.napi.binaryName
    const optional = json.optionalDependencies || {}
    const expected = targets.map((t) => `${json.napi.packageName || json.name}-${platformOf(t)}`)
    for (const name of expected) {
      if (optional[name] !== json.version) errors.push(`optionalDependencies["${name}"] is ${optional[name]}, expected ${json.version}`)
    }
    for (const name of Object.keys(optional)) if (!expected.includes(name)) errors.push(`optionalDependencies has extra ${name}`)
    if (files.some((f) => f.endsWith('.node'))) errors.push(`ships a .node file (${binaryName})`)
  } else {
    const main = json.main
    errors = expectFiles(json.name, files, ['package.json', main])
    if (!/\.node$/.test(main || '')) errors.push(`main is ${main}, expected a .node file`)
    else if (!fs.existsSync(path.join(dir, main)) || fs.statSync(path.join(dir, main)).size === 0) errors.push(`${main} is missing or empty`)
    for (const field of ['os', 'cpu']) if (!Array.isArray(json[field]) || json[field].length !== 1) errors.push(`${field} is ${JSON.stringify(json[field])}`)
    // napi create-npm-dirs sets libc for the -gnu and -musl ABIs only (not for -gnueabihf).
    if (/-(gnu|musl)$/.test(json.name) && !Array.isArray(json.libc)) errors.push('gnu/musl package without libc')
    if (rootJson) {
      if (json.version !== rootJson.version) errors.push(`version ${json.version}, root is ${rootJson.version}`)
      if (!json.name.startsWith(`${rootJson.napi.packageName || rootJson.name}-`)) errors.push(`name ${json.name} does not extend the root's`)
    }
    platformsSeen.push(json.name)
  }
  const size = `${(info.size / 1e6).toFixed(2)} MB packed, ${(info.unpackedSize / 1e6).toFixed(2)} MB unpacked`
  if (errors.length) {
    failures++
    console.log(`PACK FAIL ${info.name}@${info.version}: [${files.join(', ')}]`)
    for (const e of errors) console.log(`  - ${e}`)
  } else {
    console.log(`PACK OK   ${info.filename}: [${files.join(', ')}] (${size})`)
  }
}

if (requireAll) {
  if (!rootJson) {
    failures++
    console.log('PACK FAIL --require-binaries needs the root package among the DIRs')
  } else if (platformsSeen.length !== rootJson.napi.targets.length) {
    failures++
    console.log(`PACK FAIL ${platformsSeen.length} platform packages checked, napi.targets has ${rootJson.napi.targets.length}`)
  }
}
process.exit(failures ? 1 : 0)

function platformOf(triple) {
  const map = {
    'x86_64-apple-darwin': 'darwin-x64',
    'aarch64-apple-darwin': 'darwin-arm64',
    'x86_64-unknown-linux-gnu': 'linux-x64-gnu',
    'x86_64-unknown-linux-musl': 'linux-x64-musl',
    'aarch64-unknown-linux-gnu': 'linux-arm64-gnu',
    'aarch64-unknown-linux-musl': 'linux-arm64-musl',
    'armv7-unknown-linux-gnueabihf': 'linux-arm-gnueabihf',
  }
  if (!map[triple]) throw new Error(`no platform for ${triple}`)
  return map[triple]
}
