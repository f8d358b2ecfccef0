export default function Page() {
  return (
    <main>
      <h1>cojson-core-napi on Next.js</h1>
      <p>
        <a href="/api/crypto">/api/crypto</a> runs NapiCrypto in a Node.js route handler.
      </p>
    </main>
  )
}
