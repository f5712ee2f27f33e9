import { fileURLToPath } from 'node:url'
import { defineConfig } from 'tsup'

// The fan-out bench (`npm run bench:fanout`, `npm run bench:fanout-compare`): the bench, our server under
// test, the publisher and the load workers, each an entry run in its own process. Bundled against src (like
// tsup.examples.config.ts) into node_modules/.cache, which git ignores. `.mjs`: that folder has no package.json.
export default defineConfig({
  entry: {
    fanout: 'bench/fanout/fanout-main.ts',
    'fanout-compare': 'bench/fanout/compare-main.ts',
    'fanout-server': 'bench/fanout/ours-server-main.ts',
    'fanout-cluster': 'bench/fanout/ours-cluster-main.ts',
    'fanout-publisher': 'bench/fanout/publisher-main.ts',
    'fanout-worker': 'bench/fanout/load-worker-main.ts',
  },
  outDir: 'node_modules/.cache/rtmp-kit-fanout',
  format: ['esm'],
  outExtension: () => ({ js: '.mjs' }),
  target: 'node20',
  platform: 'node',
  clean: true,
  esbuildOptions(options) {
    options.alias = { 'rtmp-kit': fileURLToPath(new URL('./src/index.ts', import.meta.url)) }
  },
})
