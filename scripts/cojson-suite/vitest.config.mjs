// vitest config for cojson's shipped tests (node_modules/cojson/dist/tests), driven by run.mjs.
// cojson's non-test dist files stay external (loaded by Node), so tests and provider share the one
// cojson module instance that `import('cojson')` from the repository also gets; only the tests
// (extensionless imports) and cojson's NapiCrypto.js (its bare `cojson-core-napi` import) go through vite.
import { defineConfig } from 'vitest/config'
import { cojsonSuitePlugin } from './plugin.mjs'
import { files, suiteDir, testsDir } from './paths.mjs'

const workers = Math.max(1, Math.min(2, Number(process.env.COJSON_SUITE_WORKERS) || 2))

export default defineConfig({
  root: suiteDir,
  plugins: [cojsonSuitePlugin()],
  resolve: { alias: [{ find: /^@cojson-tests\//, replacement: `${testsDir()}/` }] },
  test: {
    dir: testsDir(),
    include: ['*.test.js'],
    exclude: [],
    setupFiles: [files.setupEnv, `${testsDir()}/setup.js`, files.setupProvider],
    pool: 'forks',
    maxWorkers: workers,
    fileParallelism: workers > 1,
    server: {
      deps: {
        inline: [/\/cojson\/dist\/tests\//, /\/cojson\/dist\/crypto\/NapiCrypto\.js$/],
      },
    },
  },
})
