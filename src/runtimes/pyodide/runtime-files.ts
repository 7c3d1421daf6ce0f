/**
 * Where the Pyodide runtime's files are: the `pyodide` package and pyward's compiled sandbox
 * entry. These (and the policy's mounts) are the only host files a sandbox may read.
 *
 * @module
 */
import { existsSync, realpathSync } from 'node:fs'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { SandboxError } from '../../errors.js'

export interface PyodideRuntimeFiles {
  /** The `pyodide` package directory (its wasm, stdlib and loader). */
  pyodideDir: string
  /** pyward's compiled tree, which holds the sandbox entry and the protocol framing it imports. */
  distDir: string
  /** The sandbox entry program. */
  guestEntry: string
  /** pyward's package.json, which tells Node that the compiled files are ES modules. */
  packageJson: string
}

let located: PyodideRuntimeFiles | undefined

/** The runtime's files, found once per process (a sandbox start should not stat them each time). */
export function locateRuntimeFiles(): PyodideRuntimeFiles {
  located ??= findRuntimeFiles()
  return located
}

function findRuntimeFiles(): PyodideRuntimeFiles {
  // This file is src/runtimes/pyodide/runtime-files.ts or dist/runtimes/pyodide/runtime-files.js;
  // either way the package root is three levels up, and the sandbox runs the compiled entry.
  const packageRoot = fileURLToPath(new URL('../../../', import.meta.url))
  const distDir = `${packageRoot}dist`
  const guestEntry = `${distDir}/runtimes/pyodide/guest/main.js`
  if (!existsSync(guestEntry)) {
    throw new SandboxError(
      'RUNTIME_START_FAILED',
      `Cannot start a Pyodide sandbox: ${guestEntry} is missing. Build pyward first (npm run build).`,
    )
  }
  let pyodideDir: string
  try {
    pyodideDir = dirname(fileURLToPath(import.meta.resolve('pyodide')))
  } catch (cause) {
    throw new SandboxError(
      'RUNTIME_START_FAILED',
      'Cannot start a Pyodide sandbox: the "pyodide" package is not installed. Run npm install.',
      { cause },
    )
  }
  // The permission model compares paths as strings: give it real ones.
  return {
    pyodideDir: realpathSync(pyodideDir),
    distDir: realpathSync(distDir),
    guestEntry: realpathSync(guestEntry),
    packageJson: realpathSync(`${packageRoot}package.json`),
  }
}
