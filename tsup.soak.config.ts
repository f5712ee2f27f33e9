import { fileURLToPath } from 'node:url'
import { defineConfig } from 'tsup'

// The soak (`npm run soak`), bundled with the sources it soaks so that no TS runner is needed. It imports the
// package by its published name, like the examples. Output goes under node_modules/.cache, which git ignores.
const alias = { 'rtmp-kit': fileURLToPath(new URL('./src/index.ts', import.meta.url)) }

export default defineConfig({
  entry: { soak: 'scripts/soak/cli.ts' },
  outDir: 'node_modules/.cache/rtmp-kit-soak',
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  clean: true,
  // No source maps: with --enable-source-maps, Node parses the bundle's map (~5 MB of heap) the first time it
  // formats a stack trace, which a heap check would take for a leak.
  sourcemap: false,
  esbuildOptions(options) {
    options.alias = alias
  },
})
