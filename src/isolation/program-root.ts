/**
 * What an empty root needs to hold for a host executable to run in it: the executable itself, its
 * dynamic loader at the path the binary names, and its shared libraries, all read-only. Nothing
 * else of the host's /usr, /lib or /etc goes in.
 *
 * @module
 */
import { realpathSync } from 'node:fs'
import { basename, dirname } from 'node:path'
import { findBinaryDependencies } from './binary-dependencies.js'
import type { ReadOnlyBind } from './bwrap-args.js'

export interface ProgramRoot {
  /** Where the executable is inside the sandbox. */
  executable: string
  binds: ReadOnlyBind[]
  /**
   * The loader's search path inside the sandbox. The libraries sit at the paths the host's loader
   * found them, but without the host's /etc/ld.so.cache (which would list every library the host
   * has) the loader must be told where.
   */
  libraryPath: string
}

const cache = new Map<string, ProgramRoot>()

/** The root for `executable` (a host path); computed once per executable and process. */
export function programRoot(executable: string): ProgramRoot {
  const real = realpathSync(executable)
  let root = cache.get(real)
  if (root === undefined) {
    root = computeProgramRoot(real)
    cache.set(real, root)
  }
  return root
}

function computeProgramRoot(executable: string): ProgramRoot {
  const { interpreter, libraries } = findBinaryDependencies(executable)
  const sandboxExecutable = `/usr/bin/${basename(executable)}`
  const binds: ReadOnlyBind[] = [{ hostPath: executable, sandboxPath: sandboxExecutable }]
  for (const path of [...(interpreter === null ? [] : [interpreter]), ...libraries]) {
    binds.push({ hostPath: realpathSync(path), sandboxPath: path })
  }
  return {
    executable: sandboxExecutable,
    binds,
    libraryPath: [...new Set(libraries.map((path) => dirname(path)))].join(':'),
  }
}
