/* The types of the package entry (napi-crypto.js): the native API, whose declarations napi-rs
 * generates into index.d.ts from the Rust sources, and NapiCrypto (lib/provider.js). */
import type { CryptoProvider } from 'cojson'

export * from './index'

/**
 * A cojson `CryptoProvider` on this package's native core. It extends the `CryptoProvider` of the
 * cojson your app runs (an optional peer dependency), loaded by `create()`. Pass it to a Jazz
 * worker: `startWorker({ syncServer, accountID, accountSecret, crypto: await NapiCrypto.create() })`.
 */
export declare class NapiCrypto extends CryptoProvider {
  /** A ready provider; loads cojson the first time. `new NapiCrypto()` works only after that. */
  static create(): Promise<NapiCrypto>
}
