/* The types of the package entry (napi-crypto.js): the native API, whose declarations napi-rs
 * generates into index.d.ts from the Rust sources, and NapiCrypto (lib/provider.js). */
import type { CryptoProvider } from 'cojson'

export * from './index'

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
