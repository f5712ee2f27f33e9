import { fileURLToPath } from 'node:url'
import { defineConfig } from 'tsup'

// Examples and benches import the package by its published name; bundle them against src so no TS runner is needed.
const alias = { 'rtmp-kit': fileURLToPath(new URL('./src/index.ts', import.meta.url)) }
const common = {
  format: ['esm'] as const,
  target: 'node20',
  clean: true,
  esbuildOptions(options: { alias?: Record<string, string> }) {
    options.alias = alias
  },
}

export default defineConfig([
  { ...common, format: ['esm'], entry: { 'run-example': 'examples/run-example.ts' }, outDir: 'dist-examples' },
  { ...common, format: ['esm'], entry: { run: 'bench/run.ts' }, outDir: 'dist-bench' },
])
