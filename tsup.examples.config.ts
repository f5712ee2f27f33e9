import { fileURLToPath } from 'node:url'
import { defineConfig } from 'tsup'

// Examples import the package by its published name; bundle them against src so no TS runner is needed.
const alias = { 'rtmp-kit': fileURLToPath(new URL('./src/index.ts', import.meta.url)) }

export default defineConfig([
  {
    entry: { 'live-server': 'examples/live-server.ts', 'run-example': 'examples/run-example.ts' },
    outDir: 'dist-examples',
    format: ['esm'],
    target: 'node20',
    clean: true,
    esbuildOptions(options) {
      options.alias = alias
    },
  },
])
