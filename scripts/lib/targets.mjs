// The release targets, as the napi CLI sees them: package.json `napi.targets` parsed by
// @napi-rs/cli's own parseTriple, so platform and package names are the CLI's, never a copy.
import { existsSync, readFileSync } from 'node:fs'
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
 *   packageName: string, file: string, npmOs: string, npmCpu: string, npmLibc: string|null,
 *   standInFor?: Target }} Target
 * platform: the CLI's platformArchABI (linux-x64-gnu); file: <binaryName>.<platform>.node;
 * npmOs/npmCpu/npmLibc: what npm's --os/--cpu/--libc take to install for that target;
 * standInFor: set on a stand-in (standInOf), the release target it takes the place of here.
 */
/** A target as the CLI names it: platform, package and file names from @napi-rs/cli's parseTriple. */
function describeTarget(triple) {
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
}

/** @type {Target[]} */
export const TARGETS = PKG.napi.targets.map(describeTarget)

// Release targets this Linux machine cannot build, and what it builds in their place. An MSVC build
// needs Microsoft's C runtime and linker (cargo-xwin downloads them from Microsoft, out of reach
// here): CI builds the msvc targets natively on Windows runners. Here the same sources are built
// with zig for the MinGW ABI instead (x86_64-pc-windows-gnu; aarch64's MinGW target with LLVM's
// runtime, aarch64-pc-windows-gnullvm), as stand-ins: for the static checks, for wine (x64), and
// for the local release dry run, which says so wherever one takes the place of an msvc binary.
// A stand-in is never what CI publishes.
const STAND_INS = { 'x86_64-pc-windows-msvc': 'x86_64-pc-windows-gnu', 'aarch64-pc-windows-msvc': 'aarch64-pc-windows-gnullvm' }

/** The stand-in built here for release target `t` (a Target with `standInFor: t`), or null. */
export function standInOf(t) {
  const triple = STAND_INS[t.triple]
  return triple ? { ...describeTarget(triple), standInFor: t } : null
}

/** What a build on this machine makes for release target `t`: `t`, or on a non-Windows host its stand-in. */
export const buildTargetOf = (t) => (process.platform !== 'win32' && standInOf(t)) || t

/** The package names of a release: the main package and one per target. */
export const PACKAGE_NAMES = [NAME, ...TARGETS.map((t) => t.packageName)]

/** A release target by triple or platform, or a stand-in (standInOf) by its own triple or platform. */
export function target(tripleOrPlatform) {
  const is = (x) => x.triple === tripleOrPlatform || x.platform === tripleOrPlatform
  const t = TARGETS.find(is) ?? TARGETS.map(standInOf).find((s) => s && is(s))
  if (!t) throw new Error(`unknown target '${tripleOrPlatform}' (napi.targets: ${TARGETS.map((x) => x.triple).join(' ')})`)
  return t
}

/** Where the cross stage puts a target's binary: <artifacts>/bindings-<triple>/<file>, as CI's artifacts. */
export const artifactOf = (artifacts, t) => path.join(artifacts, `bindings-${t.triple}`, t.file)

/**
 * The binary a release of target `t` ships from `artifacts`: `{ file, standIn }`. Its own artifact
 * (CI's build jobs make every one), else, where this machine builds a stand-in for it, the
 * stand-in's artifact (`standIn` set: the local dry run says so); `file` null when neither exists.
 */
export function releaseArtifact(artifacts, t) {
  if (existsSync(artifactOf(artifacts, t))) return { file: artifactOf(artifacts, t), standIn: null }
  const s = standInOf(t)
  if (s && existsSync(artifactOf(artifacts, s))) return { file: artifactOf(artifacts, s), standIn: s }
  return { file: null, standIn: null }
}

/** The dist-tag a version is published under: `latest`, or a prerelease's first identifier (`r`). */
export function distTag(version = VERSION) {
  const pre = version.split('+')[0].split('-').slice(1).join('-')
  return pre ? pre.split('.')[0] : 'latest'
}

/** The cache root of the scripts (tools, runtimes, cargo target dir, registry app caches). */
export const CACHE =
  process.env.COJSON_NAPI_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(process.env.HOME ?? '/tmp', '.cache'), 'cojson-core-napi')

