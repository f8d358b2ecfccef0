// Known-answer tests. Every expected value here comes from a published source (RFC 8032, RFC 7748,
// the BLAKE3 team's test_vectors.json, NaCl's secretbox/stream tests, the upstream spec's values
// taken from the published 0.20.19 binary) or is computed at test time by an independent
// implementation: node:crypto (OpenSSL) for Ed25519 / X25519 / SHA-512, sodium-native (libsodium)
// for XSalsa20(-Poly1305), cojson-core-wasm for BLAKE3. Nothing here was produced by our own code.

import { describe, test, before } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import crypto from 'node:crypto'

import { Rng, seedFrom } from './helpers/rng.mjs'

const require = createRequire(import.meta.url)
const rng = new Rng(seedFrom('VECTORS_SEED', 'vectors'))
const ours = require('../napi-crypto.js')
const { base58 } = require('@scure/base')
const sodium = require('sodium-native')

const unhex = (h) => Uint8Array.from(Buffer.from(h, 'hex'))
const hex = (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
const utf8 = (s) => new TextEncoder().encode(s)

function plain(x, what = 'result') {
  assert.equal(x.constructor, Uint8Array, `${what}: not a plain Uint8Array`)
  assert.equal(x.byteOffset, 0, `${what}: byteOffset`)
  assert.equal(x.buffer.byteLength, x.length, `${what}: own ArrayBuffer`)
}

function eqHex(actual, expectedHex, what) {
  plain(actual, what)
  assert.equal(hex(actual), expectedHex, what)
}

// ---------------------------------------------------------------------------------------------
// node:crypto helpers (OpenSSL): an independent Ed25519 / X25519 implementation.

const ED_PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex')
const ED_SPKI = Buffer.from('302a300506032b6570032100', 'hex')
const X_PKCS8 = Buffer.from('302e020100300506032b656e04220420', 'hex')
const X_SPKI = Buffer.from('302a300506032b656e032100', 'hex')

const edPrivate = (seed) => crypto.createPrivateKey({ key: Buffer.concat([ED_PKCS8, seed]), format: 'der', type: 'pkcs8' })
const edPublic = (raw) => crypto.createPublicKey({ key: Buffer.concat([ED_SPKI, raw]), format: 'der', type: 'spki' })
const rawPublic = (privateKey) => new Uint8Array(crypto.createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(-32))
const nodeEdSign = (seed, msg) => new Uint8Array(crypto.sign(null, msg, edPrivate(seed)))
const nodeEdVerify = (pk, msg, sig) => crypto.verify(null, msg, edPublic(pk), sig)
const xPrivate = (sk) => crypto.createPrivateKey({ key: Buffer.concat([X_PKCS8, sk]), format: 'der', type: 'pkcs8' })
const xPublic = (raw) => crypto.createPublicKey({ key: Buffer.concat([X_SPKI, raw]), format: 'der', type: 'spki' })
const nodeX25519 = (sk, pk) => new Uint8Array(crypto.diffieHellman({ privateKey: xPrivate(sk), publicKey: xPublic(pk) }))

// ---------------------------------------------------------------------------------------------
// RFC 8032 §7.1

const TEST_1024_MESSAGE =
  '08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98' +
  'fa6e264bf09efe12ee50f8f54e9f77b1e355f6c50544e23fb1433ddf73be84d8' +
  '79de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37c93a1b270b20329d' +
  '658675fc6ea534e0810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc' +
  '1a858efcb8550ee3a5e1998bd177e93a7363c344fe6b199ee5d02e82d522c4fe' +
  'ba15452f80288a821a579116ec6dad2b3b310da903401aa62100ab5d1a36553e' +
  '06203b33890cc9b832f79ef80560ccb9a39ce767967ed628c6ad573cb116dbef' +
  'efd75499da96bd68a8a97b928a8bbc103b6621fcde2beca1231d206be6cd9ec7' +
  'aff6f6c94fcd7204ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb7ed1' +
  '85ce81bd84359d44254d95629e9855a94a7c1958d1f8ada5d0532ed8a5aa3fb2' +
  'd17ba70eb6248e594e1a2297acbbb39d502f1a8c6eb6f1ce22b3de1a1f40cc24' +
  '554119a831a9aad6079cad88425de6bde1a9187ebb6092cf67bf2b13fd65f270' +
  '88d78b7e883c8759d2c4f5c65adb7553878ad575f9fad878e80a0c9ba63bcbcc' +
  '2732e69485bbc9c90bfbd62481d9089beccf80cfe2df16a2cf65bd92dd597b07' +
  '07e0917af48bbb75fed413d238f5555a7a569d80c3414a8d0859dc65a46128ba' +
  'b27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51a' +
  'ddd3b75a2b1ae0784504df543af8969be3ea7082ff7fc9888c144da2af58429e' +
  'c96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9b47acdb7' +
  '51fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c' +
  '42f58c30c04aafdb038dda0847dd988dcda6f3bfd15c4b4c4525004aa06eeff8' +
  'ca61783aacec57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee34df' +
  'f7310fdc82aebfd904b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08' +
  'd78ff4ef5d63653a65040cf9bfd4aca7984a74d37145986780fc0b16ac451649' +
  'de6188a7dbdf191f64b5fc5e2ab47b57f7f7276cd419c17a3ca8e1b939ae49e4' +
  '88acba6b965610b5480109c8b17b80e1b7b750dfc7598d5d5011fd2dcc5600a3' +
  '2ef5b52a1ecc820e308aa342721aac0943bf6686b64b2579376504ccc493d97e' +
  '6aed3fb0f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496afc5f' +
  'b93246f6b1116398a346f1a641f3b041e989f7914f90cc2c7fff357876e506b5' +
  '0d334ba77c225bc307ba537152f3f1610e4eafe595f6d9d90d11faa933a15ef1' +
  '369546868a7f3a45a96768d40fd9d03412c091c6315cf4fde7cb68606937380d' +
  'b2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a64dfac86aba41c' +
  '0618983f8741c5ef68d3a101e8a3b8cac60c905c15fc910840b94c00a0b9d0'

const RFC8032 = [
  {
    name: 'TEST 1',
    sk: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    pk: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    msg: '',
    sig: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    name: 'TEST 2',
    sk: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    pk: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    msg: '72',
    sig: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    name: 'TEST 3',
    sk: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    pk: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    msg: 'af82',
    sig: '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
  {
    name: 'TEST 1024',
    sk: 'f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5',
    pk: '278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e',
    msg: TEST_1024_MESSAGE,
    sig: '0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350aa5371b1508f9f4528ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03',
  },
  {
    name: 'TEST SHA(abc)',
    sk: '833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42',
    pk: 'ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf',
    msg: 'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
    sig: 'dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704',
  },
]

describe('Ed25519: RFC 8032 §7.1', () => {
  test('the transcribed vectors are self-consistent (checked with node:crypto)', () => {
    assert.equal(TEST_1024_MESSAGE.length, 2 * 1023)
    assert.equal(RFC8032[4].msg, crypto.createHash('sha512').update('abc').digest('hex'), 'SHA(abc) message')
    for (const v of RFC8032) {
      const sk = unhex(v.sk)
      assert.equal(hex(rawPublic(edPrivate(sk))), v.pk, `${v.name}: node public key`)
      assert.equal(hex(nodeEdSign(sk, unhex(v.msg))), v.sig, `${v.name}: node signature`)
      assert.equal(nodeEdVerify(unhex(v.pk), unhex(v.msg), unhex(v.sig)), true, `${v.name}: node verify`)
    }
  })

  for (const v of RFC8032) {
    test(`${v.name}: raw-byte API`, () => {
      const sk = unhex(v.sk)
      const msg = unhex(v.msg)
      eqHex(ours.ed25519VerifyingKey(sk), v.pk, 'ed25519VerifyingKey')
      eqHex(ours.ed25519SigningKeyToPublic(sk), v.pk, 'ed25519SigningKeyToPublic')
      eqHex(ours.ed25519Sign(sk, msg), v.sig, 'ed25519Sign')
      eqHex(ours.ed25519SigningKeySign(sk, msg), v.sig, 'ed25519SigningKeySign')
      assert.equal(ours.ed25519Verify(unhex(v.pk), msg, unhex(v.sig)), true)
      const otherMsg = msg.length ? Uint8Array.from(msg, (b, i) => (i === msg.length - 1 ? b ^ 1 : b)) : Uint8Array.of(0)
      assert.equal(ours.ed25519Verify(unhex(v.pk), otherMsg, unhex(v.sig)), false, 'tampered message')
      for (const at of [0, 31, 32, 63]) {
        const sig = unhex(v.sig)
        sig[at] ^= 0x01
        assert.equal(ours.ed25519Verify(unhex(v.pk), msg, sig), false, `tampered signature byte ${at}`)
      }
      eqHex(ours.ed25519SigningKeyFromBytes(sk), v.sk, 'ed25519SigningKeyFromBytes')
      eqHex(ours.ed25519VerifyingKeyFromBytes(unhex(v.pk)), v.pk, 'ed25519VerifyingKeyFromBytes')
      eqHex(ours.ed25519SignatureFromBytes(unhex(v.sig)), v.sig, 'ed25519SignatureFromBytes')
    })

    test(`${v.name}: string API (getSignerId / sign / verify)`, () => {
      const secret = utf8('signerSecret_z' + base58.encode(unhex(v.sk)))
      const id = 'signer_z' + base58.encode(unhex(v.pk))
      const signature = 'signature_z' + base58.encode(unhex(v.sig))
      const msg = unhex(v.msg)
      assert.equal(ours.getSignerId(secret), id)
      assert.equal(ours.sign(msg, secret), signature)
      assert.equal(ours.verify(utf8(signature), msg, utf8(id)), true)
      assert.equal(ours.verify(utf8(signature), Uint8Array.of(...msg, 0), utf8(id)), false)
    })
  }

  test('randomized cross-check against node:crypto (public key, sign, verify)', () => {
    for (let i = 0; i < 300; i++) {
      const seed = new Uint8Array(rng.bytes(32))
      const msg = new Uint8Array(rng.bytes(rng.int(i < 10 ? 1 : 2000)))
      const pk = rawPublic(edPrivate(seed))
      const nodeSig = nodeEdSign(seed, msg)
      assert.equal(hex(ours.ed25519VerifyingKey(seed)), hex(pk), `public key of ${hex(seed)}`)
      assert.equal(hex(ours.ed25519Sign(seed, msg)), hex(nodeSig), `signature, seed ${hex(seed)}`)
      assert.equal(ours.ed25519Verify(pk, msg, nodeSig), true)
      const bad = Uint8Array.from(nodeSig)
      bad[rng.int(64)] ^= 1 << rng.int(8)
      assert.equal(ours.ed25519Verify(pk, msg, bad), nodeEdVerify(pk, msg, bad), `tampered signature ${hex(bad)}`)
      assert.equal(ours.ed25519Verify(pk, Uint8Array.of(...msg, 1), nodeSig), false)
      const sig = ours.sign(msg, utf8('signerSecret_z' + base58.encode(seed)))
      assert.equal(sig, 'signature_z' + base58.encode(nodeSig))
    }
  })
})

// ---------------------------------------------------------------------------------------------
// RFC 7748

describe('X25519: RFC 7748', () => {
  test('§5.2 single-iteration vectors', () => {
    const vectors = [
      [
        'a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4',
        'e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c',
        'c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552',
      ],
      [
        // u has its top bit set, which must be ignored.
        '4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d',
        'e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493',
        '95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957',
      ],
    ]
    for (const [k, u, out] of vectors) eqHex(ours.x25519DiffieHellman(unhex(k), unhex(u)), out, `X25519(${k.slice(0, 8)}…)`)
  })

  test('§5.2 iterated: 1 and 1,000 iterations', () => {
    let k = new Uint8Array(32)
    k[0] = 9
    let u = Uint8Array.from(k)
    for (let i = 1; i <= 1000; i++) {
      const next = ours.x25519DiffieHellman(k, u)
      u = k
      k = next
      if (i === 1) assert.equal(hex(k), '422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079', 'after 1 iteration')
    }
    assert.equal(hex(k), '684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51', 'after 1,000 iterations')
  })

  test('§6.1 Diffie-Hellman (Alice and Bob)', () => {
    const alice = unhex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a')
    const alicePub = '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a'
    const bob = unhex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb')
    const bobPub = 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f'
    const shared = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742'
    eqHex(ours.x25519PublicKey(alice), alicePub, 'Alice public key')
    eqHex(ours.x25519PublicKey(bob), bobPub, 'Bob public key')
    eqHex(ours.x25519DiffieHellman(alice, unhex(bobPub)), shared, 'Alice side')
    eqHex(ours.x25519DiffieHellman(bob, unhex(alicePub)), shared, 'Bob side')
    // The sealer-string form of the same keys.
    assert.equal(ours.getSealerId(utf8('sealerSecret_z' + base58.encode(alice))), 'sealer_z' + base58.encode(unhex(alicePub)))
  })

  test('randomized cross-check against node:crypto', () => {
    for (let i = 0; i < 200; i++) {
      const a = new Uint8Array(rng.bytes(32))
      const b = new Uint8Array(rng.bytes(32))
      const aPub = rawPublic(xPrivate(a))
      const bPub = rawPublic(xPrivate(b))
      assert.equal(hex(ours.x25519PublicKey(a)), hex(aPub))
      assert.equal(hex(ours.x25519DiffieHellman(a, bPub)), hex(nodeX25519(a, bPub)))
    }
  })
})

// ---------------------------------------------------------------------------------------------
// BLAKE3

// From BLAKE3-team/BLAKE3 test_vectors/test_vectors.json: input = bytes i % 251, `hash` field,
// first 32 bytes (64 hex characters). Also checked against cojson-core-wasm at test time.
const BLAKE3_VECTORS = [
  [0, 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262'],
  [1, '2d3adedff11b61f14c886e35afa036736dcd87a74d27b5c1510225d0f592e213'],
  [1023, '10108970eeda3eb932baac1428c7a2163b0e924c9a9e25b35bba72b28f70bd11'],
  [1024, '42214739f095a406f3fc83deb889744ac00df831c10daa55189b5d121c855af7'],
  [1025, 'd00278ae47eb27b34faecf67b4fe263f82d5412916c1ffd97c8cb7fb814b8444'],
  [2048, 'e776b6028c7cd22a4d0ba182a8bf62205d2ef576467e838ed6f2529b85fba24a'],
  [2049, '5f4d72f40d7a5f82b15ca2b2e44b1de3c2ef86c426c95c1af0b6879522563030'],
  [3072, 'b98cb0ff3623be03326b373de6b9095218513e64f1ee2edd2525c7ad1e5cffd2'],
  [3073, '7124b49501012f81cc7f11ca069ec9226cecb8a2c850cfe644e327d22d3e1cd3'],
  [4096, '015094013f57a5277b59d8475c0501042c0b642e531b0a1c8f58d2163229e969'],
  [4097, '9b4052b38f1c5fc8b1f9ff7ac7b27cd242487b3d890d15c96a1c25b8aa0fb995'],
  [5120, '9cadc15fed8b5d854562b26a9536d9707cadeda9b143978f319ab34230535833'],
  [5121, '628bd2cb2004694adaab7bbd778a25df25c47b9d4155a55f8fbd79f2fe154cff'],
  [6144, '3e2e5b74e048f3add6d21faab3f83aa44d3b2278afb83b80b3c35164ebeca205'],
  [6145, 'f1323a8631446cc50536a9f705ee5cb619424d46887f3c376c695b70e0f0507f'],
  [7168, '61da957ec2499a95d6b8023e2b0e604ec7f6b50e80a9678b89d2628e99ada77a'],
  [7169, 'a003fc7a51754a9b3c7fae0367ab3d782dccf28855a03d435f8cfe74605e7817'],
  [8192, 'aae792484c8efe4f19e2ca7d371d8c467ffb10748d8a5a1ae579948f718a2a63'],
  [8193, 'bab6c09cb8ce8cf459261398d2e7aef35700bf488116ceb94a36d0f5f1b7bc3b'],
  [16384, 'f875d6646de28985646f34ee13be9a576fd515f76b5b0a26bb324735041ddde4'],
  [31744, '62b6960e1a44bcc1eb1a611a8d6235b6b4b78f32e7abc4fb4c6cdcce94895c47'],
  [102400, 'bc3e3d41a1146b069abffad3c0d44860cf664390afce4d9661f7902e7943e085'],
]

const pattern = (n) => {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = i % 251
  return out
}

describe('BLAKE3: official test vectors', () => {
  let wasm = null
  before(async () => {
    wasm = await import('cojson-core-wasm')
    await wasm.initialize()
  })

  test('the transcribed vectors match cojson-core-wasm (an independent implementation)', () => {
    for (const [n, expected] of BLAKE3_VECTORS) assert.equal(hex(wasm.blake3HashOnce(pattern(n))), expected, `length ${n}`)
    assert.equal(hex(wasm.blake3HashOnce(utf8('abc'))), '6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85')
  })

  for (const [n, expected] of BLAKE3_VECTORS) {
    test(`input length ${n}: blake3HashOnce, Blake3Hasher, withContext, generateNonce`, () => {
      const input = pattern(n)
      eqHex(ours.blake3HashOnce(input), expected, 'blake3HashOnce')

      // Incremental, in several chunkings (small updates are batched by the JS layer).
      for (const chunk of [1, 7, 64, 1000, 4095, 4096, 5000, 16384, 20000]) {
        if (n > 40000 && chunk < 64) continue // keep the run short
        const h = new ours.Blake3Hasher()
        for (let i = 0; i < n; i += chunk) h.update(input.subarray(i, Math.min(n, i + chunk)))
        eqHex(h.finalize(), expected, `Blake3Hasher, chunks of ${chunk}`)
      }

      // withContext is BLAKE3(context ‖ data): any split of the input gives the same digest.
      for (const split of [0, 1, n >> 1, n]) {
        if (split > n) continue
        eqHex(ours.blake3HashOnceWithContext(input.subarray(split), input.subarray(0, split)), expected, `withContext split at ${split}`)
      }
      eqHex(ours.generateNonce(input), expected.slice(0, 48), 'generateNonce')
    })
  }

  test('"abc" and the empty input', () => {
    eqHex(ours.blake3HashOnce(utf8('abc')), '6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85', 'abc')
    eqHex(ours.blake3HashOnce(new Uint8Array(0)), 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262', 'empty')
    // shortHash: "shortHash_z" + base58 of the first 19 bytes of BLAKE3(utf8(value)).
    assert.equal(ours.shortHash('abc'), 'shortHash_z' + base58.encode(unhex('6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85').subarray(0, 19)))
    assert.equal(ours.shortHash(''), 'shortHash_z' + base58.encode(unhex('af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262').subarray(0, 19)))
  })

  test('inputs over the parallel-hashing threshold match cojson-core-wasm', () => {
    for (const n of [128 * 1024 - 1, 128 * 1024, 128 * 1024 + 1, 500000, 1 << 20]) {
      const input = pattern(n)
      const expected = hex(wasm.blake3HashOnce(input))
      eqHex(ours.blake3HashOnce(input), expected, `blake3HashOnce ${n}`)
      const h = new ours.Blake3Hasher()
      h.update(input.subarray(0, 100))
      h.update(input.subarray(100))
      eqHex(h.finalize(), expected, `Blake3Hasher ${n}`)
      eqHex(ours.blake3HashOnceWithContext(input.subarray(5), input.subarray(0, 5)), expected, `withContext ${n}`)
    }
  })

  test('Blake3Hasher values from the spec (§3.1): finalize does not consume, clone is independent', () => {
    const h = new ours.Blake3Hasher()
    h.update(Uint8Array.of(1, 2, 3, 4, 5))
    eqHex(h.finalize(), '024f67c0425a3dc02fbaf58cb93de5132e3d75c519faa0bada21491d88c97057', 'after [1..5]')
    eqHex(h.finalize(), '024f67c0425a3dc02fbaf58cb93de5132e3d75c519faa0bada21491d88c97057', 'finalize again')
    const snapshot = h.clone()
    h.update(Uint8Array.of(6, 7, 8, 9, 10))
    eqHex(h.finalize(), 'a5838d45024527ecc4f4b4d5937cde2744df36b0f261c865cc4f15e9383301c7', 'after [6..10]')
    eqHex(snapshot.finalize(), '024f67c0425a3dc02fbaf58cb93de5132e3d75c519faa0bada21491d88c97057', 'clone unaffected')
    snapshot.update(Uint8Array.of(6, 7, 8, 9, 10))
    eqHex(snapshot.finalize(), 'a5838d45024527ecc4f4b4d5937cde2744df36b0f261c865cc4f15e9383301c7', 'clone continues')
    eqHex(new ours.Blake3Hasher().finalize(), 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262', 'fresh hasher')
  })
})

// ---------------------------------------------------------------------------------------------
// XSalsa20-Poly1305 (seal) and XSalsa20 (encrypt) against libsodium

const NACL_KEY = unhex('1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389')
const NACL_NONCE = unhex('69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37')
// NaCl tests/secretbox.c: the message (after its 32 zero bytes) and the box (after 16 zero bytes).
const NACL_MESSAGE =
  'be075fc53c81f2d5cf141316ebeb0c7b5228c52a4c62cbd44b66849b64244ffce5ecbaaf33bd751a1ac728d45e6c61296cdc3c01233561f41db66cce314adb310e3be8250c46f06dceea3a7fa1348057e2f6556ad6b1318a024a838f21af1fde048977eb48f59ffd4924ca1c60902e52f0a089bc76897040e082f937763848645e0705'
const NACL_BOX =
  'f3ffc7703f9400e52a7dfb4b3d3305d98e993b9f48681273c29650ba32fc76ce48332ea7164d96a4476fb8c531a1186ac0dfc17c98dce87b4da7f011ec48c97271d2c20f9b928fe2270d6fb863d51738b48eeee314a7cc8ab932164548e526ae90224368517acfeabd6bb3732bc0e9da99832b61ca01b6de56244a9e88d5f9b37973f622a43d14a6599b1f654cb45a74e355a5'

function sodiumBox(message, nonce, key) {
  const out = Buffer.alloc(message.length + sodium.crypto_secretbox_MACBYTES)
  sodium.crypto_secretbox_easy(out, Buffer.from(message), Buffer.from(nonce), Buffer.from(key))
  return new Uint8Array(out)
}

function sodiumOpen(box, nonce, key) {
  const out = Buffer.alloc(box.length - sodium.crypto_secretbox_MACBYTES)
  assert.equal(sodium.crypto_secretbox_open_easy(out, Buffer.from(box), Buffer.from(nonce), Buffer.from(key)), true, 'libsodium rejected the box')
  return new Uint8Array(out)
}

function sodiumStreamXor(message, nonce, key) {
  const out = Buffer.alloc(message.length)
  sodium.crypto_stream_xor(out, Buffer.from(message), Buffer.from(nonce), Buffer.from(key))
  return new Uint8Array(out)
}

describe('XSalsa20-Poly1305 / XSalsa20 against libsodium', () => {
  let wasm = null
  before(async () => {
    wasm = await import('cojson-core-wasm')
    await wasm.initialize()
  })

  test('the reference reproduces NaCl\'s secretbox and stream vectors', () => {
    const box = sodiumBox(unhex(NACL_MESSAGE), NACL_NONCE, NACL_KEY)
    assert.equal(hex(box), NACL_BOX, 'crypto_secretbox_easy layout is tag ‖ ciphertext')
    const stream = Buffer.alloc(32)
    sodium.crypto_stream(stream, Buffer.from(NACL_NONCE), Buffer.from(NACL_KEY))
    assert.equal(stream.toString('hex'), 'eea6a7251c1e72916d11c2cb214d3c252539121d8e234e652d651fa4c8cff880', 'NaCl stream3 vector')
  })

  test('seal == crypto_secretbox_easy(key = X25519(sender, recipient), nonce = BLAKE3(material)[0..24])', () => {
    for (let i = 0; i < 300; i++) {
      const senderSk = new Uint8Array(rng.bytes(32))
      const recipientSk = new Uint8Array(rng.bytes(32))
      const recipientPk = rawPublic(xPrivate(recipientSk))
      const senderPk = rawPublic(xPrivate(senderSk))
      const message = new Uint8Array(rng.bytes(rng.int(i < 20 ? 70 : 3000)))
      const material = new Uint8Array(rng.bytes(rng.int(100)))

      // The building blocks, each also checked against an independent implementation.
      const key = ours.x25519DiffieHellman(senderSk, recipientPk)
      assert.equal(hex(key), hex(nodeX25519(senderSk, recipientPk)), 'DH key vs node:crypto')
      const nonce = ours.generateNonce(material)
      assert.equal(hex(nonce), hex(wasm.blake3HashOnce(material)).slice(0, 48), 'nonce vs cojson-core-wasm')

      const senderSecret = 'sealerSecret_z' + base58.encode(senderSk)
      const recipientSecret = 'sealerSecret_z' + base58.encode(recipientSk)
      const recipientId = 'sealer_z' + base58.encode(recipientPk)
      const senderId = 'sealer_z' + base58.encode(senderPk)
      const expected = sodiumBox(message, nonce, key)
      const sealed = ours.seal(message, senderSecret, recipientId, material)
      eqHex(sealed, hex(expected), `seal of ${message.length} bytes`)
      eqHex(ours.unseal(expected, recipientSecret, senderId, material), hex(message), 'unseal of libsodium box')
      assert.equal(hex(sodiumOpen(sealed, nonce, key)), hex(message))
    }
  })

  test('sealForGroup == ephemeral public key ‖ crypto_secretbox_easy(X25519(ephemeral, recipient), nonce)', () => {
    for (let i = 0; i < 100; i++) {
      const recipientSk = new Uint8Array(rng.bytes(32))
      const recipientId = 'sealer_z' + base58.encode(rawPublic(xPrivate(recipientSk)))
      const message = new Uint8Array(rng.bytes(rng.int(200)))
      const material = new Uint8Array(rng.bytes(rng.int(100)))
      const sealed = ours.sealForGroup(message, recipientId, material)
      plain(sealed)
      assert.equal(sealed.length, 48 + message.length)
      const ephemeralPk = sealed.slice(0, 32)
      const key = nodeX25519(recipientSk, ephemeralPk)
      const nonce = unhex(hex(wasm.blake3HashOnce(material)).slice(0, 48))
      assert.equal(hex(sodiumOpen(sealed.subarray(32), nonce, key)), hex(message))
      // And a box built with libsodium opens with unsealForGroup.
      const ephemeralSk = new Uint8Array(rng.bytes(32))
      const built = new Uint8Array(48 + message.length)
      built.set(rawPublic(xPrivate(ephemeralSk)))
      built.set(sodiumBox(message, nonce, nodeX25519(ephemeralSk, rawPublic(xPrivate(recipientSk)))), 32)
      eqHex(ours.unsealForGroup(built, 'sealerSecret_z' + base58.encode(recipientSk), material), hex(message), 'unsealForGroup')
    }
  })

  test('encrypt / encryptXsalsa20 == crypto_stream_xor(key, nonce = BLAKE3(material)[0..24])', () => {
    for (let i = 0; i < 300; i++) {
      const key = new Uint8Array(rng.bytes(32))
      const message = new Uint8Array(rng.bytes(rng.int(i < 20 ? 100 : 5000)))
      const material = new Uint8Array(rng.bytes(rng.int(100)))
      const nonce = unhex(hex(wasm.blake3HashOnce(material)).slice(0, 48))
      const expected = hex(sodiumStreamXor(message, nonce, key))
      const keySecret = 'keySecret_z' + base58.encode(key)
      eqHex(ours.encrypt(message, keySecret, material), expected, 'encrypt')
      eqHex(ours.decrypt(unhex(expected), keySecret, material), hex(message), 'decrypt')
      eqHex(ours.encryptXsalsa20(key, material, message), expected, 'encryptXsalsa20')
      eqHex(ours.decryptXsalsa20(key, material, unhex(expected)), hex(message), 'decryptXsalsa20')
    }
  })
})

// ---------------------------------------------------------------------------------------------
// Spec §4.12a worked example (values from the published 0.20.19 binary)

describe('spec §4.12a worked example', () => {
  const base = '4wBqpZM9xaSheZzJSMawUKKwhdpChKbZ5eu5ky4Vigw'

  test('the secret is bytes 1..32', () => {
    assert.deepEqual([...base58.decode(base)], Array.from({ length: 32 }, (_, i) => i + 1))
  })

  test('getSignerId / getSealerId', () => {
    assert.equal(ours.getSignerId(utf8('signerSecret_z' + base)), 'signer_z9C6hybhQ6Aycep9jaUnP6uL9ZYvDjUp1aSkFWPUFJtpj')
    assert.equal(ours.getSealerId(utf8('sealerSecret_z' + base)), 'sealer_zWpSggvhoqoVW4XJvfjsB52dvVunYSQWrz6XiuMQVsCf')
  })

  test('transaction hash and its signature', () => {
    const stored = '{"changes":"[{\\"op\\":\\"set\\",\\"key\\":\\"a\\",\\"value\\":1}]","madeAt":1700000000000,"privacy":"trusting"}'
    const hash = 'hash_z' + base58.encode(ours.blake3HashOnce(utf8(stored)))
    assert.equal(hash, 'hash_z8gLNdTbUbSNU2gDXbU7EFoXmd4QyEATfjTMHksTcvJcV')
    const message = utf8(JSON.stringify(hash))
    assert.equal(message.length, 52)
    const signature = 'signature_z4EZ2Dcoa5ibq8VgCgQcqsXXUMWrrqb538vKG56yWYpYxpRT4wmXRM1VmxhK7VbH4VRXZ46sC5bQm5hiLLoaMkyt5'
    assert.equal(ours.sign(message, utf8('signerSecret_z' + base)), signature)
    assert.equal(ours.verify(utf8(signature), message, utf8('signer_z9C6hybhQ6Aycep9jaUnP6uL9ZYvDjUp1aSkFWPUFJtpj')), true)
  })

  test('the header hashes to the CoValue id digest', () => {
    const header = '{"createdAt":"2024-01-01T00:00:00.000Z","meta":null,"ruleset":{"type":"unsafeAllowAll"},"type":"comap","uniqueness":"zUnique123"}'
    // co_z… and shortHash_z… carry the same 19-byte digest.
    assert.equal(ours.shortHash(header), 'shortHash_z' + 'co_zZo6gaxUzJk7pNhaa5XHy4d43Z2'.slice(4))
  })
})
