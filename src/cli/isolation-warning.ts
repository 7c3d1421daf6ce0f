/**
 * The CLI never lets a sandbox run with less isolation than the host could give without saying
 * so: in `auto`, each OS layer this host lacks is named once on stderr, with the fix.
 *
 * @module
 */
import { checkIsolation } from '../api/isolation.js'
import type { IsolationMode } from '../isolation/layers.js'

export async function warnAboutMissingLayers(
  mode: IsolationMode,
  stderr: NodeJS.WritableStream = process.stderr,
): Promise<void> {
  if (mode !== 'auto') return
  const missing = (await checkIsolation()).filter((status) => !status.ok)
  if (missing.length === 0) return
  const lines = missing.map((status) => `  ${status.layer}: ${status.detail} (fix: ${status.fix})`)
  stderr.write(
    `pyward: warning: running without ${missing.map((status) => status.layer).join(', ')}:\n${lines.join('\n')}\npyward: run \`pyward doctor\` for details; --isolation strict refuses to run without every layer.\n`,
  )
}
