/**
 * The attack suite: one Python file per attack, each run in a fresh sandbox and judged only by
 * its effect on the host (see helpers/host-watch.ts).
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { run } from '../../src/index.ts'
import { type HostWatch, watchHost } from '../helpers/host-watch.ts'
import { TEST_TIMEOUT_MS } from '../helpers/sandboxes.ts'

const ATTACKS = [
  'read-host-file.py',
  'write-host-file.py',
  'start-process.py',
  'read-host-env.py',
  'js-realm-escape.py',
  'network-loopback.py',
  'signal-host.py',
]

const source = (name: string) => readFileSync(new URL(name, import.meta.url), 'utf8')

describe('attacks on the host from inside a sandbox', () => {
  let host: HostWatch
  before(async () => {
    host = await watchHost()
  })
  after(() => host.close())

  for (const attack of ATTACKS) {
    it(`${attack} has no effect on the host`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const result = await run(source(attack), {
        filename: attack,
        timeoutMs: 20_000,
        files: { 'params.json': JSON.stringify(host.params), '_attack.py': source('_attack.py') },
      })
      // Give a connection or a signal time to land before judging.
      await new Promise((resolve) => setTimeout(resolve, 200))
      host.assertUntouched(result)
      assert.equal(
        result.status,
        'ok',
        `the attack itself ran to its end: ${result.error?.traceback ?? ''}`,
      )
      assert.match(result.stdout, /: raised: /, 'the attempts were made')
    })
  }
})
