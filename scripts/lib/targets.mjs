// The release targets, as the napi CLI sees them: package.json `napi.targets` parsed by
// @napi-rs/cli's own parseTriple, so platform and package names are the CLI's, never a copy.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseTriple } from '@napi-rs/cli'

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const PKG = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8'))
export const NAME = PKG.napi.packageName ?? PKG.name
export const BINARY = PKG.napi.binaryName
export const VERSION = PKG.version

/**
 * @typedef {{ triple: string, platform: string, os: string, arch: string, abi: string|null,
 *   packageName: string, file: string, npmOs: string, npmCpu: string, npmLibc: string|null }} Target
 * platform: the CLI's platformArchABI (linux-x64-gnu); file: <binaryName>.<platform>.node;
 * npmOs/npmCpu/npmLibc: what npm's --os/--cpu/--libc take to install for that target.
 */
/** @type {Target[]} */
export const TARGETS = PKG.napi.targets.map((triple) => {
  const t = parseTriple(triple)
  const libc = t.abi === 'musl' ? 'musl' : t.abi && t.abi.startsWith('gnu') ? 'glibc' : null
  return {
    triple,
    platform: t.platformArchABI,
    os: t.platform,
    arch: t.arch,
    abi: t.abi,
    packageName: `${NAME}-${t.platformArchABI}`,
    file: `${BINARY}.${t.platformArchABI}.node`,
    npmOs: t.platform,
    npmCpu: t.arch,
    npmLibc: t.platform === 'linux' ? libc : null,
  }
})

/** The 8 package names of a release: the main package and one per target. */
export const PACKAGE_NAMES = [NAME, ...TARGETS.map((t) => t.packageName)]

export function target(tripleOrPlatform) {
  const t = TARGETS.find((x) => x.triple === tripleOrPlatform || x.platform === tripleOrPlatform)
  if (!t) throw new Error(`unknown target '${tripleOrPlatform}' (napi.targets: ${TARGETS.map((x) => x.triple).join(' ')})`)
  return t
}

/** Where the cross stage puts a target's binary: <artifacts>/bindings-<triple>/<file>, as CI's artifacts. */
export const artifactOf = (artifacts, t) => path.join(artifacts, `bindings-${t.triple}`, t.file)

/** The dist-tag a version is published under: `latest`, or a prerelease's first identifier (`r`). */
export function distTag(version = VERSION) {
  const pre = version.split('+')[0].split('-').slice(1).join('-')
  return pre ? pre.split('.')[0] : 'latest'
}

/** The cache root of the scripts (tools, runtimes, cargo target dir, registry app caches). */
export const CACHE =
  process.env.COJSON_NAPI_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(process.env.HOME ?? '/tmp', '.cache'), 'cojson-core-napi')

