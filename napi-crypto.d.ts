/* The types of the package entries (napi-crypto.js on Node, Deno and Bun; napi-crypto.edge.mjs and
 * napi-crypto.browser.mjs on edge runtimes and in browsers, over the WebAssembly build): the API,
 * whose declarations napi-rs generates into index.d.ts from the Rust sources, and NapiCrypto
 * (lib/provider.js). */
import type { CryptoProvider } from 'cojson'

export * from './index'

/** What is loaded (`binaryInfo()`): which build, for which target, with which code paths. */
export interface BinaryInfo {
  /**
   * `native` for the Node-API addon; `wasm` for the WebAssembly build of the same core: on edge
   * runtimes and in browsers, and on Node, Deno and Bun where no native binary loads (with a
   * warning) or with `COJSON_CORE_FORCE_WASM=1`.
   */
  kind: 'native' | 'wasm'
  /** The npm package version the binary was built for (always this package's). */
  version: string
  /** The Rust target triple of the build, e.g. `x86_64-unknown-linux-gnu`, or `wasm32-unknown-unknown`. */
  target: string
  /** The `.node` or `.wasm` file that loaded (null on edge runtimes and in browsers). */
  path: string | null
  /** The SIMD code paths chosen at run time on this CPU (`serial` and `portable` for wasm). */
  backends: {
    /** curve25519-dalek: `avx512ifma`, `avx2` or `serial`. */
    ed25519: string
    /** BLAKE3: `avx512`, `avx2`, `sse41`, `sse2`, `neon` or `portable`. */
    blake3: string
  }
  /** The CPU features those choices are made from, as this CPU has them (none for wasm). */
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
