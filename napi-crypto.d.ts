/* The types of the package entry (napi-crypto.js): the native API, whose declarations napi-rs
 * generates into index.d.ts from the Rust sources, and NapiCrypto (lib/provider.js). */
import type { CryptoProvider } from 'cojson'

export * from './index'

/** What is loaded (`binaryInfo()`): which build, for which target, with which code paths. */
export interface BinaryInfo {
  /** `native` for the Node-API addon. */
  kind: 'native'
  /** The npm package version the binary was built for (always this package's). */
  version: string
  /** The Rust target triple of the build, e.g. `x86_64-unknown-linux-gnu`. */
  target: string
  /** The `.node` file that loaded. */
  path: string | null
  /** The SIMD code paths chosen at run time on this CPU. */
  backends: {
    /** curve25519-dalek: `avx512ifma`, `avx2` or `serial`. */
    ed25519: string
    /** BLAKE3: `avx512`, `avx2`, `sse41`, `sse2`, `neon` or `portable`. */
    blake3: string
  }
  /** The CPU features those choices are made from, as this CPU has them. */
  cpuFeatures: string[]
}

/** What is loaded: package version, binary file and target, and the CPU code paths in use. */
export declare function binaryInfo(): BinaryInfo

/**
 * A cojson `CryptoProvider` on this package's native core. It extends the `CryptoProvider` of the
 * cojson your app runs (an optional peer dependency), loaded by `create()`. Pass it to a Jazz
 * worker: `startWorker({ syncServer, accountID, accountSecret, crypto: await NapiCrypto.create() })`.
 */
export interface NapiCrypto extends CryptoProvider {}

export declare const NapiCrypto: {
  /** A ready provider; loads cojson the first time. */
  create(): Promise<NapiCrypto>
  /** Works once `create()` has loaded cojson (it throws `ERR_COJSON_NOT_LOADED` before). */
  new (): NapiCrypto
  readonly prototype: NapiCrypto
}
