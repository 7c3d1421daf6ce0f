/** The host's `python3`, which the native figures are measured with: its path and version. */
import { execFileSync } from 'node:child_process'

export interface HostPython {
  /** Absolute path, so that it can be started with an empty environment. */
  executable: string
  /** e.g. "3.11.7". */
  version: string
}

/** Asks the `python3` on PATH where it is and what it is. Throws when there is none. */
export function findHostPython(): HostPython {
  const [executable = '', version = ''] = execFileSync(
    'python3',
    ['-c', 'import platform, sys; print(sys.executable); print(platform.python_version())'],
    { encoding: 'utf8' },
  )
    .trim()
    .split('\n')
  return { executable, version }
}
