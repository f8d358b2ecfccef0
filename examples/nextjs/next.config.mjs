// cojson-core-napi loads a native .node addon through require(); it must stay an external package
// (loaded from node_modules at run time), or `next build` fails with Turbopack and with webpack.
/** @type {import('next').NextConfig} */
const nextConfig = {
  serverExternalPackages: ['cojson-core-napi'],
}

export default nextConfig
