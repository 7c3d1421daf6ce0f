/**
 * Where a host Python interpreter keeps what it needs: asked of the interpreter itself, once per
 * interpreter and host process. The answer decides what the native sandbox's root holds: the
 * executable, the standard library (with its extension modules, lib-dynload) and the
 * site-packages directories, nothing else of the host's Python installation.
 *
 * The interpreter is the operator's (the policy's `python`, or `python3` on the host's PATH), not
 * the guest's: it is asked with `-I` and nothing of the host's environment but PATH and the
 * variables a version manager's launcher (pyenv's shims) needs to find it.
 *
 * @module
 */
import { execFile } from 'node:child_process'
import { realpathSync } from 'node:fs'
import { promisify } from 'node:util'
import { SandboxError } from '../../errors.js'

const run = promisify(execFile)
const ASK_TIMEOUT_MS = 30_000

export interface PythonLayout {
  /** The interpreter's real executable. */
  executable: string
  /** "3.11" */
  version: string
  /** The full version, e.g. "3.11.7". */
  fullVersion: string
  /** The standard library's directory (pure modules). */
  stdlib: string
  /** The extension modules' directory (lib-dynload). */
  dynload: string | null
  /** Directories of packages the interpreter's `site` would add (the default sitePackages). */
  sitePackages: string[]
}

const ASK = `
import json, os, site, sys, sysconfig
dynload = [p for p in sys.path if os.path.basename(p) == "lib-dynload" and os.path.isdir(p)]
print(json.dumps({
    "executable": sys.executable,
    "version": "%d.%d" % sys.version_info[:2],
    "fullVersion": sys.version.split()[0],
    "stdlib": sysconfig.get_path("stdlib"),
    "dynload": dynload[0] if dynload else None,
    "sitePackages": [p for p in site.getsitepackages() if os.path.isdir(p)],
}))
`

/** Variables a version manager's launcher needs to find the interpreter (pyenv's shims). */
const LAUNCHER_ENV = ['PATH', 'HOME', 'PYENV_ROOT', 'PYENV_VERSION']

const layouts = new Map<string, Promise<PythonLayout>>()

/**
 * The layout of `python` (a host path), or when null of the operator's default: $PYWARD_PYTHON,
 * else `python3` on the host's PATH.
 */
export function findPythonLayout(configured: string | null): Promise<PythonLayout> {
  const python = configured ?? defaultPython()
  const key = python ?? ''
  let layout = layouts.get(key)
  if (layout === undefined) {
    layout = askInterpreter(python)
    layouts.set(key, layout)
    // A failure is not kept: the operator may install the interpreter and try again.
    layout.catch(() => layouts.delete(key))
  }
  return layout
}

function defaultPython(): string | null {
  const fromEnv = process.env.PYWARD_PYTHON
  return fromEnv === undefined || fromEnv === '' ? null : fromEnv
}

async function askInterpreter(python: string | null): Promise<PythonLayout> {
  const command = python ?? 'python3'
  const env: Record<string, string> = {}
  for (const name of LAUNCHER_ENV) {
    const value = process.env[name]
    if (value !== undefined) env[name] = value
  }
  let answer: PythonLayout
  try {
    const { stdout } = await run(command, ['-I', '-c', ASK], {
      env,
      // Not the host's working directory: a version manager's file there (.python-version) would
      // choose the interpreter.
      cwd: '/',
      timeout: ASK_TIMEOUT_MS,
      encoding: 'utf8',
    })
    answer = JSON.parse(stdout) as PythonLayout
  } catch (cause) {
    const which =
      python === null
        ? 'python3 (on the host\'s PATH: install it, or set the policy\'s "python" to an interpreter)'
        : `${python} (the policy's "python", or PYWARD_PYTHON)`
    throw new SandboxError(
      'RUNTIME_START_FAILED',
      `The native runtime could not ask ${which} where its files are: ${(cause as Error).message}`,
      { cause },
    )
  }
  return {
    ...answer,
    executable: realpathSync(answer.executable),
    stdlib: realpathSync(answer.stdlib),
    dynload: answer.dynload === null ? null : realpathSync(answer.dynload),
    sitePackages: answer.sitePackages.map((dir) => realpathSync(dir)),
  }
}
