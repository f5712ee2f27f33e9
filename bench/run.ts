// `npm run bench` entry (bundled by tsup.examples.config.ts). Static imports: tsup bundles what it sees.
import { runAmfBench } from './amf-bench'
import { runChunkBench } from './chunk-bench'
import { runHandshakeBench } from './handshake-bench'

runChunkBench()
runAmfBench()
runHandshakeBench()
