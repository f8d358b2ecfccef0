// Last setup file (after cojson's own dist/tests/setup.js): the default provider of testUtils.js,
// on the same module instance the tests import (`@cojson-tests/` is an alias for dist/tests/).
import { setCurrentTestCryptoProvider } from '@cojson-tests/testUtils.js'
import { createProvider } from './provider.mjs'

setCurrentTestCryptoProvider(await createProvider('setup'))
