/**
 * What a cold one-shot is compared with: how long the bare pieces take to start and exit on this
 * machine, each timed from spawn to exit by the host, in the same run as pyward's figures.
 *
 * - `node -e 0`: a Node process and nothing else;
 * - a cold `loadPyodide()` in a fresh Node process, then `1+1` (bench/load-pyodide.mjs): what
 *   pyward would cost if it added nothing and kept nothing ready;
 * - `python3 -c pass` and `python3 -S -c pass` (no site import): the native interpreter.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { findHostPython } from './host-python.ts'
import { type Timing, toTiming } from './stats.ts'

export interface Baselines {
  nodeBare: Timing
  loadPyodide: Timing
  python3: Timing
  python3NoSite: Timing
}

const LOAD_PYODIDE = fileURLToPath(new URL('./load-pyodide.mjs', import.meta.url))

interface Command {
  executable: string
  args: string[]
}

function commands(python3: string): Record<keyof Baselines, Command> {
  return {
    nodeBare: { executable: process.execPath, args: ['-e', '0'] },
    loadPyodide: { executable: process.execPath, args: [LOAD_PYODIDE] },
    python3: { executable: python3, args: ['-c', 'pass'] },
    python3NoSite: { executable: python3, args: ['-S', '-c', 'pass'] },
  }
}

/**
 * Wall time from spawn to exit, in ms. The environment is empty (as a sandbox's is), so that no
 * variable of the bench's own shell (NODE_OPTIONS, PYTHONPATH) changes what is started.
 */
export function timeCommand(command: Command): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(command.executable, command.args, {
      env: {},
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text
    })
    child.once('error', reject)
    child.once('close', (code: number | null, signal: string | null) => {
      const wallMs = performance.now() - started
      if (code === 0) resolve(wallMs)
      else
        reject(
          new Error(
            `${command.executable} ${command.args.join(' ')}: ${signal ?? `exit ${code}`} ${stderr}`,
          ),
        )
    })
  })
}

/** Each command `runs` times, interleaved round by round so that the machine's drift hits all alike. */
export async function measureBaselines(runs: number): Promise<Baselines> {
  const all = commands(findHostPython().executable)
  const names = Object.keys(all) as (keyof Baselines)[]
  const times: Record<keyof Baselines, number[]> = {
    nodeBare: [],
    loadPyodide: [],
    python3: [],
    python3NoSite: [],
  }
  for (const name of names) await timeCommand(all[name]) // warm the file cache
  for (let i = 0; i < runs; i++) {
    for (const name of names) times[name].push(await timeCommand(all[name]))
  }
  return {
    nodeBare: toTiming(times.nodeBare),
    loadPyodide: toTiming(times.loadPyodide),
    python3: toTiming(times.python3),
    python3NoSite: toTiming(times.python3NoSite),
  }
}
