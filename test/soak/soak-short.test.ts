import { expect, it } from 'vitest'
import { compare, HEAP_SLACK_BYTES, type ResourceSnapshot } from '../../scripts/soak/resources'
import { formatReport, runSoak } from '../../scripts/soak/soak'
import { defaultSeed } from '../helpers/rng'

// A short run of the soak (`npm run soak` does 1,000 sessions): the same sessions, drops and resource checks,
// so a leak or a hang shows in npm test. The seed is printed in the report on failure (RTMP_TEST_SEED replays it).

it('100 sessions connect, publish, play and leave (many abruptly); heap, handles, sockets, fds and streams return to baseline', async () => {
  const report = await runSoak({ sessions: 100, concurrency: 20, warmup: 20, timeScale: 0.1, seed: defaultSeed() })
  expect(report.failures, formatReport(report)).toEqual([])
  expect(report.sessions).toBe(100)
  expect(report.checks.length).toBeGreaterThanOrEqual(5)
  // the sessions met: publishers' frames reached players
  expect(report.framesSent).toBeGreaterThan(0)
  expect(report.framesReceived).toBeGreaterThan(0)
}, 120_000)

it('fails a run that leaves a socket, fd, connection or stream behind, or heap over its slack', () => {
  const before: ResourceSnapshot = { heapUsed: 10 * 2 ** 20, handles: { TCPServerWrap: 1, PipeWrap: 2 }, fds: 21, connections: 0, liveStreams: 0 }
  const failed = (after: Partial<ResourceSnapshot>): string[] =>
    compare(before, { ...before, ...after })
      .filter((c) => !c.ok)
      .map((c) => c.name.trim())
  expect(failed({})).toEqual([])
  expect(failed({ heapUsed: before.heapUsed + HEAP_SLACK_BYTES })).toEqual([]) // max(2 MiB, 10 % of 10 MiB) = 2 MiB
  expect(failed({ heapUsed: before.heapUsed + HEAP_SLACK_BYTES + 1 })).toEqual(['heap used (bytes)'])
  expect(failed({ handles: { ...before.handles, TCPSocketWrap: 1 } })).toEqual(['active handles', 'TCPSocketWrap'])
  expect(failed({ fds: 22 })).toEqual(['open fds'])
  expect(failed({ connections: 1, liveStreams: 1 })).toEqual(['server connections', 'live router streams'])
})
