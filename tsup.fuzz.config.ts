import { defineConfig } from 'tsup'

// The long fuzz run (`npm run fuzz`), bundled with the sources it fuzzes so that no TS runner is needed.
// Output goes under node_modules/.cache, which git already ignores.
export default defineConfig({
  entry: { fuzz: 'test/fuzz/cli.ts' },
  outDir: 'node_modules/.cache/rtmp-kit-fuzz',
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  clean: true,
  sourcemap: true,
})
