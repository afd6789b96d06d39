import { defineConfig } from 'vite'

// `base: './'` keeps every asset URL relative, so the built console works wherever it is
// served (minirtc-server at /console/, the demo stack, a file server).
// In `vite dev`, the server's HTTP API and sockets are proxied so the page is same-origin with them.
const target = process.env.MINIRTC_SERVER ?? 'http://127.0.0.1:8090'

export default defineConfig({
  base: './',
  resolve: { conditions: ['minirtc-source'] },
  build: { outDir: 'dist', target: 'es2020', sourcemap: true },
  server: {
    proxy: {
      '/ws': { target, ws: true },
      '/ingest': { target, ws: true },
      '/dev': target,
      '/admin': target,
    },
  },
})
