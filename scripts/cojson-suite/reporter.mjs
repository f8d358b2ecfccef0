// vitest reporter for run.mjs: every test's state and its errors' messages (the JSON reporter gives
// only stacks, where a timeout reads "STACK_TRACE_ERROR"), module-level errors and unhandled errors,
// written as JSON to $COJSON_SUITE_REPORT when the run ends.
import { writeFileSync } from 'node:fs'

const error = (e) => ({ name: e?.name, message: String(e?.message ?? e), stack: e?.stack })

function testName(test) {
  const names = [test.name]
  for (let p = test.parent; p && p.type === 'suite'; p = p.parent) names.unshift(p.name)
  return names.join(' › ')
}

export default class CojsonSuiteReporter {
  onTestRunEnd(testModules, unhandledErrors, reason) {
    const out = { reason, unhandledErrors: unhandledErrors.map(error), modules: [] }
    for (const module of testModules) {
      const tests = []
      for (const test of module.children.allTests()) {
        const result = test.result()
        const diagnostic = test.diagnostic()
        tests.push({
          name: testName(test),
          state: result.state,
          errors: (result.errors || []).map(error),
          retries: diagnostic?.retryCount ?? 0,
          flaky: diagnostic?.flaky ?? false,
          ms: diagnostic ? Math.round(diagnostic.duration) : null,
        })
      }
      const suiteErrors = [...module.errors(), ...[...module.children.allSuites()].flatMap((s) => s.errors())]
      out.modules.push({ file: module.moduleId, state: module.state(), errors: suiteErrors.map(error), tests })
    }
    writeFileSync(process.env.COJSON_SUITE_REPORT, JSON.stringify(out))
  }
}
