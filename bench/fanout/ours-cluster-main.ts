// Our cluster example (examples/cluster.ts) as the bench runs it: a primary and N worker processes, each an
// RtmpServer, sharing 127.0.0.1:<port>. The workers run this same script (cluster.fork).
//   node fanout-cluster.mjs <port> <workers>
import { main } from '../../examples/cluster'

const [port = '1935', workers = '2'] = process.argv.slice(2)
await main(['--port', port, '--host', '127.0.0.1', '--workers', workers])
process.exit(process.exitCode ?? 0)
