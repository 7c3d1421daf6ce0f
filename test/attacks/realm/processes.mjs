// With the realm taken: starts processes that would create the host's marker (Node itself and a
// shell). The host judges by the marker.
import { execFileSync, spawnSync } from 'node:child_process'
import { attempt, params, report } from './_attempt.mjs'

const { markerPath } = params
const writeMarker = `require('fs').writeFileSync(${JSON.stringify(markerPath)}, 'escaped')`

function spawned(result) {
  if (result.error) throw result.error
  return { status: result.status, signal: result.signal }
}

await attempt('spawnSync node', () => spawned(spawnSync(process.execPath, ['-e', writeMarker])))
await attempt('spawnSync /bin/sh', () =>
  spawned(spawnSync('/bin/sh', ['-c', `touch ${markerPath}`])),
)
await attempt('execFileSync node', () => execFileSync(process.execPath, ['-e', writeMarker]))
await attempt('spawnSync shell option', () =>
  spawned(spawnSync(`touch ${markerPath}`, { shell: true })),
)
report()
