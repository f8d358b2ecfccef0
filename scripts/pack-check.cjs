'use strict'
// Asserts what each npm tarball would contain, before anything is published.
//
//   node scripts/pack-check.cjs [--release] DIR...
//
// DIR is the main package (its package.json has `napi`) or a platform package (npm/<platform>).
// Runs `npm pack --dry-run --json --ignore-scripts` in each DIR and checks the file list:
//   main:      package.json and LICENSE (+ README.md); every file `main`, `types` and `exports` name;
//              every file entry of `files`, and something under each directory entry; no .node file
//              and nothing from the sources, tests or tooling (src/, __test__/, benchmark/, scripts/,
//              Cargo files, tarballs). Committed layout (no --release): no `optionalDependencies`
//              (the release writes them). --release (the layout that `napi prepublish` left):
//              `optionalDependencies` name exactly the platform package of every `napi.targets`
//              entry, at the main package's version.
//   platform:  exactly package.json and its one `main` binary <binaryName>.<platform>.node
//              (+ README.md; LICENSE with --release); named after a target of `napi.targets`
//              (platform names from @napi-rs/cli's parseTriple); same version as the main
//              package; `os` and `cpu`, and `libc` for -gnu/-musl.
// --release also fails unless every target's platform package is among the DIRs, and, when npm
// provenance is on (NPM_CONFIG_PROVENANCE=true, as in the publish job), unless every package has
// the `repository.url` provenance is checked against.
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { parseTriple } = require('@napi-rs/cli')

const args = process.argv.slice(2)
const release = args[0] === '--release'
if (release) args.shift()
if (args.length === 0) {
  console.error('usage: node scripts/pack-check.cjs [--release] DIR...')
  process.exit(2)
}

const OPTIONAL = new Set(['README.md'])
const FORBIDDEN = [/\.node$/, /^src\//, /^__test__\//, /^benchmark\//, /^scripts\//, /^fuzz\//, /^Cargo\./, /\.rs$/, /\.tgz$/, /^\.github\//]

/** The files a main package must ship: what main/types/exports name, the file entries of `files`. */
function rootRequired(json) {
  const named = new Set(['package.json', 'LICENSE'])
  const add = (p) => typeof p === 'string' && !p.includes('*') && named.add(path.posix.normalize(p.replace(/^\.\//, '')))
  add(json.main)
  add(json.types)
  const walk = (v) => (typeof v === 'string' ? add(v) : v && typeof v === 'object' && Object.values(v).forEach(walk))
  walk(json.exports)
  const dirs = []
  for (const f of json.files || []) (f.endsWith('/') ? dirs.push(f) : add(f))
  return { files: [...named].sort(), dirs }
}
const provenance = /^true$/i.test(process.env.NPM_CONFIG_PROVENANCE || process.env.npm_config_provenance || '')
let failures = 0
const platformsSeen = []

function packList(dir) {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
  const out = execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  return JSON.parse(out.slice(out.indexOf('[')))[0]
}

function expectFiles(actual, required) {
  const errors = []
  for (const f of required) if (!actual.includes(f)) errors.push(`missing ${f}`)
  for (const f of actual) if (!required.includes(f) && !OPTIONAL.has(f)) errors.push(`unexpected ${f}`)
  return errors
}

const pkgs = args.map((dir) => ({ dir: path.resolve(dir), json: JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) }))
const root = pkgs.find((p) => p.json.napi)
if (!root) {
  console.log('PACK FAIL the main package (package.json with `napi`) must be among the DIRs')
  process.exit(1)
}
const rootJson = root.json
const prefix = rootJson.napi.packageName || rootJson.name
const platforms = rootJson.napi.targets.map((t) => parseTriple(t).platformArchABI)
const expectedNames = platforms.map((p) => `${prefix}-${p}`)

for (const { dir, json } of pkgs) {
  const info = packList(dir)
  const files = info.files.map((f) => f.path).sort()
  let errors
  if (json === rootJson) {
    const required = rootRequired(json)
    errors = required.files.filter((f) => !files.includes(f)).map((f) => `missing ${f}`)
    for (const d of required.dirs) if (!files.some((f) => f.startsWith(d))) errors.push(`nothing under ${d} (a \`files\` entry)`)
    for (const f of files) if (FORBIDDEN.some((re) => re.test(f))) errors.push(`ships ${f}`)
    const optional = json.optionalDependencies
    if (!release) {
      if (optional) errors.push(`optionalDependencies in the committed package.json (the release writes them): ${Object.keys(optional).join(', ')}`)
    } else {
      for (const name of expectedNames) {
        if (!optional || optional[name] !== json.version) errors.push(`optionalDependencies["${name}"] is ${optional && optional[name]}, expected ${json.version}`)
      }
      for (const name of Object.keys(optional || {})) if (!expectedNames.includes(name)) errors.push(`optionalDependencies has extra ${name}`)
    }
  } else {
    const platform = json.name.startsWith(`${prefix}-`) ? json.name.slice(prefix.length + 1) : null
    const main = json.main
    errors = expectFiles(files, ['package.json', main, ...(release ? ['LICENSE'] : [])])
    if (!platforms.includes(platform)) errors.push(`name ${json.name} is not ${prefix}-<platform> of a napi.targets entry (${platforms.join(', ')})`)
    if (main !== `${rootJson.napi.binaryName}.${platform}.node`) errors.push(`main is ${main}, expected ${rootJson.napi.binaryName}.${platform}.node`)
    else if (!fs.existsSync(path.join(dir, main)) || fs.statSync(path.join(dir, main)).size === 0) errors.push(`${main} is missing or empty`)
    for (const field of ['os', 'cpu']) if (!Array.isArray(json[field]) || json[field].length !== 1) errors.push(`${field} is ${JSON.stringify(json[field])}`)
    // napi create-npm-dirs sets libc for the -gnu and -musl ABIs only (not for -gnueabihf).
    if (/-(gnu|musl)$/.test(json.name) && !Array.isArray(json.libc)) errors.push('gnu/musl package without libc')
    if (json.version !== rootJson.version) errors.push(`version ${json.version}, the main package is ${rootJson.version}`)
    platformsSeen.push(json.name)
  }
  if (release && provenance && !(json.repository && (json.repository.url || typeof json.repository === 'string'))) {
    errors.push('no repository.url: npm provenance requires it (add `repository` to package.json, then `napi create-npm-dirs`)')
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

if (release) {
  const missing = expectedNames.filter((n) => !platformsSeen.includes(n))
  if (missing.length) {
    failures++
    console.log(`PACK FAIL --release: no platform package for ${missing.join(', ')} among the DIRs`)
  }
}
process.exit(failures ? 1 : 0)
