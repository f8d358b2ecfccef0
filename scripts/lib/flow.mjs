// The one timing, logging and summary helper of the scripts (cross.mjs, registry.mjs): stages with
// timeouts, commands run in their own process group with a timeout and a log file, a results table
// and the timings printed at exit, also on failure.
//
//   const flow = new Flow('cross', { columns: ['build', 'check', 'smoke'], logs })
//   await flow.stage('build', async () => { await flow.run('napi', ['build', ...], { log: 'build-x', timeout: 900 }) })
//   flow.note('x86_64-unknown-linux-gnu', 'build', '61.2s')
//   flow.finish()       // prints the summary, exits 0 or 1
import { spawn } from 'node:child_process'
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'

/** Seconds since `t0` (from performance.now()), one decimal. */
export const since = (t0) => ((performance.now() - t0) / 1000).toFixed(1)
const clock = () => new Date().toISOString().slice(11, 19)

export class StageError extends Error {}

export class Flow {
  /**
   * @param {string} name   printed in the summary ("cross", "registry")
   * @param {{ columns?: string[], logs: string }} options  logs: directory of the log files
   */
  constructor(name, { columns = [], logs }) {
    this.name = name
    this.columns = columns
    this.logs = logs
    mkdirSync(logs, { recursive: true })
    this.t0 = performance.now()
    this.rows = new Map() // row -> Map(column -> text)
    this.times = []
    this.failures = []
    this.current = null // what is running now (said when a stage times out)
    this.children = new Set()
    const stop = (signal) => {
      this.fail(`interrupted by ${signal}`)
      this.killAll()
      this.finish(130)
    }
    process.once('SIGINT', () => stop('SIGINT'))
    process.once('SIGTERM', () => stop('SIGTERM'))
    // Children run in their own process groups (so a timeout kills all of a command); they must
    // not outlive this process however it ends (an uncaught error included).
    process.once('exit', () => this.killAll())
  }

  say(line) {
    console.log(`[${since(this.t0).padStart(6)}s] ${line}`)
  }

  /** Records `text` in the results table, row `row`, column `column`. */
  note(row, column, text) {
    if (!this.rows.has(row)) this.rows.set(row, new Map())
    this.rows.get(row).set(column, text)
  }

  fail(message) {
    this.failures.push(message)
    console.error(`FAIL: ${message}`)
  }

  time(label, seconds) {
    this.times.push([label, seconds])
  }

  /**
   * Runs `fn` as a stage: prints its start, times it, and fails it after `timeout` seconds, saying
   * what was running then. A stage that throws is recorded as failed; the error is rethrown
   * unless `{ keepGoing: true }`.
   */
  async stage(name, fn, { timeout = 1800, keepGoing = false } = {}) {
    const t0 = performance.now()
    console.log(`\n== stage ${name} (${clock()})`)
    let timer
    const timedOut = new Promise((_, reject) => {
      timer = setTimeout(() => {
        const what = this.current ? `: ${this.current} was running` : ''
        this.killAll()
        reject(new StageError(`stage ${name} timed out after ${timeout} s${what}`))
      }, timeout * 1000)
    })
    try {
      await Promise.race([fn(), timedOut])
      this.time(name, since(t0))
    } catch (error) {
      this.time(`${name} (failed)`, since(t0))
      this.fail(`${name}: ${error instanceof StageError ? error.message : error?.stack ?? error}`)
      if (!keepGoing) throw error
    } finally {
      clearTimeout(timer)
    }
  }

  /**
   * Runs a command in its own process group. Output goes to `<logs>/<log>.log` (and is also
   * returned); on failure or timeout the log's tail is printed and an error thrown (unless
   * `allowFail`). `timeout` in seconds; the whole group is killed when it passes.
   * @returns {Promise<{ code: number|null, signal: string|null, out: string, seconds: string }>}
   */
  run(cmd, args = [], { cwd, env = process.env, timeout = 600, log, allowFail = false, input, echo = false } = {}) {
    const line = [cmd, ...args].join(' ')
    const file = path.join(this.logs, `${log ?? path.basename(cmd)}.log`)
    writeFileSync(file, `$ ${line}\n# cwd ${cwd ?? process.cwd()}\n`)
    const t0 = performance.now()
    const what = `${line}${cwd ? ` (in ${cwd})` : ''}`
    this.current = what
    return new Promise((resolve, reject) => {
      const child = spawn(cmd, args, { cwd, env, detached: true, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] })
      this.children.add(child)
      let out = ''
      const take = (chunk) => {
        const text = chunk.toString()
        out += text
        appendFileSync(file, text)
        if (echo) process.stdout.write(text)
      }
      child.stdout.on('data', take)
      child.stderr.on('data', take)
      if (input !== undefined) child.stdin.end(input)
      let timedOut = false
      const timer = setTimeout(() => {
        timedOut = true
        killGroup(child)
      }, timeout * 1000)
      child.on('error', (error) => {
        clearTimeout(timer)
        this.children.delete(child)
        reject(new Error(`${line}: ${error.message}`))
      })
      child.on('close', (code, signal) => {
        clearTimeout(timer)
        this.children.delete(child)
        if (this.current === what) this.current = null
        const seconds = since(t0)
        const result = { code, signal, out, seconds }
        if (code === 0 && !timedOut) return resolve(result)
        const why = timedOut ? `timed out after ${timeout} s (killed)` : `exit ${code ?? signal}`
        appendFileSync(file, `\n# ${why}\n`)
        if (allowFail && !timedOut) return resolve(result)
        const tail = out.trimEnd().split('\n').slice(-30).map((l) => `   | ${l}`).join('\n')
        reject(new Error(`${what}: ${why}\n${tail}\n   full log: ${file}`))
      })
    })
  }

  /** Starts a long-running process (a server) in its own process group; returns the child. */
  spawnService(cmd, args, { cwd, env = process.env, log }) {
    const file = path.join(this.logs, `${log}.log`)
    writeFileSync(file, `$ ${[cmd, ...args].join(' ')}\n`)
    const child = spawn(cmd, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
    this.children.add(child)
    child.stdout.on('data', (c) => appendFileSync(file, c))
    child.stderr.on('data', (c) => appendFileSync(file, c))
    child.on('close', () => this.children.delete(child))
    child.logFile = file
    return child
  }

  /** Stops a service started by spawnService: SIGTERM to its group, SIGKILL after `grace` s. */
  async stopService(child, grace = 10) {
    if (child.exitCode !== null || child.signalCode !== null) return
    const closed = new Promise((resolve) => child.once('close', resolve))
    killGroup(child, 'SIGTERM')
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), grace * 1000)
    await closed
    clearTimeout(timer)
  }

  killAll() {
    for (const child of this.children) killGroup(child, 'SIGKILL')
  }

  /** Prints the results table, the timings and the verdict; exits. */
  finish(code) {
    this.killAll()
    const failed = code ? true : this.failures.length > 0
    if (this.rows.size > 0) {
      console.log(`\n== ${this.name}: results`)
      const names = [...this.rows.keys()]
      const w0 = Math.max(8, ...names.map((n) => n.length))
      const widths = this.columns.map((c) => Math.max(c.length, ...names.map((n) => (this.rows.get(n).get(c) ?? '-').length)))
      const pad = (cells) => cells.map((cell, i) => cell.padEnd(i === 0 ? w0 : widths[i - 1])).join('  ').trimEnd()
      console.log(pad(['', ...this.columns]))
      for (const n of names) console.log(pad([n, ...this.columns.map((c) => this.rows.get(n).get(c) ?? '-')]))
    }
    console.log(`== ${this.name}: timings`)
    for (const [label, seconds] of this.times) console.log(`  ${label.padEnd(28)} ${String(seconds).padStart(7)} s`)
    console.log(`  ${'total'.padEnd(28)} ${since(this.t0).padStart(7)} s`)
    if (failed) {
      console.log(`== ${this.name}: FAILED (${this.failures.length} failure${this.failures.length === 1 ? '' : 's'})`)
      for (const f of this.failures) console.log(`  - ${f.split('\n')[0]}`)
    } else {
      console.log(`== ${this.name}: OK`)
    }
    process.exit(failed ? code || 1 : 0)
  }
}

function killGroup(child, signal = 'SIGKILL') {
  try {
    process.kill(-child.pid, signal)
  } catch {}
}
