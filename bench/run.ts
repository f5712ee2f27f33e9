// `npm run bench` entry (bundled by tsup.examples.config.ts). Static imports: tsup bundles what it sees.
// `npm run bench -- ttff` (or TTFF_ONLY=1) runs only the time-to-first-frame bench; `--no-ttff` skips it.
// `--with-nms` installs node-media-server into the bench's temp cache (if missing) to compare AMF0 and handshakes.
import { runAmfBench } from './amf-bench'
import { runChunkBench } from './chunk-bench'
import { runNmsCodecBench } from './fanout/nms-codec-bench'
import { runHandshakeBench } from './handshake-bench'
import { runTtffBench } from './ttff'

const args = process.argv.slice(2)
const ttffOnly = args.includes('ttff') || process.env.TTFF_ONLY === '1'
if (!ttffOnly) {
  runChunkBench()
  runAmfBench()
  runHandshakeBench()
  runNmsCodecBench({ install: args.includes('--with-nms') })
}
if (ttffOnly || !args.includes('--no-ttff')) {
  await runTtffBench()
}
