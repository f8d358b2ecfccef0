// Small helpers shared by the balance example's modules.

/** Rejects with `<what> did not finish within <ms> ms` if `promise` takes longer. */
export function withTimeout(promise, ms, what) {
  let timer
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms)
    }),
  ]).finally(() => clearTimeout(timer))
}

/** A CoValue id shortened for logs. */
export function short(id) {
  return `${id.slice(0, 10)}…`
}
