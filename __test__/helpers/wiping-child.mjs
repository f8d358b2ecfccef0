// Child process of wiping.test.mjs: runs one scenario with secrets whose raw bytes never exist in
// JavaScript memory, then scans this process's memory (/proc/self/mem) for those raw bytes and
// prints which were found, as JSON.
//
// Each raw secret is MARKER (16 bytes) ‖ index (u32 LE) ‖ 12 × 0x5a. Its base58 text is computed
// from a BigInt (V8 stores BigInt digits least significant word first, so the marker never appears
// in order there); JavaScript only ever holds the base58 strings, so any copy of the raw bytes the
// scan finds was made by the addon.
import { createRequire } from 'node:module'
import fs from 'node:fs'

const require = createRequire(import.meta.url)
const ours = require('../../napi-crypto.js')

const MARKER_HEX = 'c0ffee5eed4a11ce7357ab1e5ec12e75'
const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'

function rawAsBigInt(index) {
  const le = [index & 255, (index >> 8) & 255, (index >> 16) & 255, (index >>> 24) & 255]
  const hex = MARKER_HEX + le.map((b) => b.toString(16).padStart(2, '0')).join('') + '5a'.repeat(12)
  return BigInt('0x' + hex)
}

function base58(n) {
  let out = ''
  while (n > 0n) {
    out = ALPHABET[Number(n % 58n)] + out
    n /= 58n
  }
  return out
}

const secret = (prefix, index) => prefix + base58(rawAsBigInt(index))
const utf8 = (s) => new TextEncoder().encode(s)

function scan() {
  const marker = Buffer.from(MARKER_HEX, 'hex')
  const found = new Set()
  let scanned = 0
  const fd = fs.openSync('/proc/self/mem', 'r')
  try {
    for (const line of fs.readFileSync('/proc/self/maps', 'utf8').trim().split('\n')) {
      const [range, perms, , , , path] = line.split(/\s+/)
      if (!perms.startsWith('r') || (path && path.startsWith('[v'))) continue
      const [start, end] = range.split('-').map((h) => BigInt('0x' + h))
      const length = Number(end - start)
      if (length > 1 << 30) continue
      const buffer = Buffer.allocUnsafe(length)
      let read
      try {
        read = fs.readSync(fd, buffer, 0, length, start)
      } catch {
        continue // unreadable mapping (guard pages and the like)
      }
      scanned += read
      for (let at = buffer.indexOf(marker); at !== -1 && at + 32 <= read; at = buffer.indexOf(marker, at + 1)) {
        if (buffer.subarray(at + 20, at + 32).every((b) => b === 0x5a)) found.add(buffer.readUInt32LE(at + 16))
      }
    }
  } finally {
    fs.closeSync(fd)
  }
  return { found: [...found].sort((a, b) => a - b), scanned }
}

const scenarios = {
  // 600 signer secrets through a cache of 512: the first 88 are evicted.
  signerSecrets() {
    const message = utf8('message')
    for (let i = 0; i < 600; i++) ours.sign(message, utf8(secret('signerSecret_z', i)))
    return 600
  },
  keySecrets() {
    const data = new Uint8Array(100)
    const nonce = utf8('nonce material')
    for (let i = 0; i < 20; i++) {
      ours.encrypt(data, secret('keySecret_z', i), nonce)
      ours.decrypt(data, secret('keySecret_z', i), nonce)
      ours.encrypt(new Uint8Array(10_000), secret('keySecret_z', i), nonce)
    }
    return 20
  },
  sealerSecrets() {
    const other = ours.getSealerId(utf8(secret('sealerSecret_z', 1000)))
    const nonce = utf8('nonce material')
    for (let i = 0; i < 20; i++) {
      ours.getSealerId(utf8(secret('sealerSecret_z', i)))
      const sealed = ours.seal(new Uint8Array(100), secret('sealerSecret_z', i), other, nonce)
      ours.unseal(sealed, secret('sealerSecret_z', 1000), ours.getSealerId(utf8(secret('sealerSecret_z', i))), nonce)
    }
    return 20
  },
}

const name = process.argv[2]
const count = scenarios[name]()
process.stdout.write(JSON.stringify({ scenario: name, count, ...scan() }) + '\n')
