// Module resolve hook (see use-our-cojson-core-napi.mjs).
const OURS = new URL('../../napi-crypto.js', import.meta.url).href

export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'cojson-core-napi') return { url: OURS, format: 'commonjs', shortCircuit: true }
  return nextResolve(specifier, context)
}
