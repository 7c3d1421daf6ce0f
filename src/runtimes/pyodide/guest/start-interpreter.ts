/**
 * Loads Pyodide in one of the three ways `init.snapshot` asks for: cold (2 s here), restored from
 * a memory snapshot the host verified (a quarter of that), or cold with Pyodide's snapshot support
 * on, to make one.
 *
 * A snapshot restores the Python heap only: the JavaScript realm (and so the realm hardening, the
 * memory cap, the interrupt clock and the stdio hooks) is this process's own and is installed
 * after the restore exactly as after a cold start. What the heap carries over from the build is
 * dealt with where it matters: the environment is empty at build time and replaced by the policy's
 * after the restore, and the driver reseeds `random` (see driver.py's configure()).
 *
 * @module
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { PyodideAPI } from 'pyodide'
import type { SnapshotStart } from '../../../protocol/messages.js'

const WASM_PAGE_BYTES = 65_536

/**
 * The environment Pyodide starts with. Emscripten adds defaults of its own, one of them `_`, the
 * path of the program that loaded it (a host path when unconfined): `undefined` removes it, so
 * nothing of the host's layout is in the heap a snapshot copies.
 */
const START_ENV = { _: undefined } as unknown as Record<string, string>
/**
 * `sys.executable` and `sys.orig_argv[0]`: Emscripten takes them from the path of the script Node
 * runs, a host path when unconfined, unless told otherwise.
 */
const EXECUTABLE = 'python'

export async function startInterpreter(
  pyodideDir: string,
  start: SnapshotStart,
  pollSignals: () => number,
): Promise<PyodideAPI> {
  const { loadPyodide } = (await import(
    pathToFileURL(join(pyodideDir, 'pyodide.mjs')).href
  )) as typeof import('pyodide')
  const options = {
    indexURL: `${pyodideDir}/`,
    env: START_ENV,
    _sysExecutable: EXECUTABLE,
    stdout: () => {},
    stderr: () => {},
  }
  switch (start.kind) {
    case 'cold':
      return releaseLoadingBuffers(
        await withInstantiateHook({ pollSignals, memoryBytes: 0 }, () => loadPyodide(options)),
      )
    case 'make':
      return loadPyodide({ ...options, _makeSnapshot: true })
    case 'restore': {
      const snapshot = readFileSync(start.path)
      // The host checked where the file is and who owns it; this checks the bytes restored.
      if (createHash('sha256').update(snapshot).digest('hex') !== start.sha256) {
        throw new Error(`the snapshot ${start.path} does not have the content the host recorded`)
      }
      const pyodide = await withInstantiateHook(
        { pollSignals, memoryBytes: snapshot.byteLength },
        () => loadPyodide({ ...options, _loadSnapshot: snapshot }),
      )
      // Pyodide puts the working directory first on sys.path at every load, the build's too.
      pyodide.runPython("import sys\nif sys.path[:2] == ['', '']: del sys.path[0]")
      return releaseLoadingBuffers(pyodide)
    }
  }
}

/**
 * Pyodide keeps what it loaded from after it is done with it: its options (with the snapshot it
 * copied into the heap) and the function that instantiated the WebAssembly (with the binary it
 * read). Dropping both let a collection return ~30 MB to the OS (measured: 189 -> 160 MB RSS).
 */
function releaseLoadingBuffers(pyodide: PyodideAPI): PyodideAPI {
  const internals = pyodide as unknown as {
    _api?: { config?: Record<string, unknown> }
    _module?: Record<string, unknown>
  }
  if (internals._api?.config) delete internals._api.config._loadSnapshot
  if (internals._module) delete internals._module.instantiateWasm
  return pyodide
}

/** The module pyward's driver (driver.py) is loaded as. */
export const DRIVER_MODULE = '_pyward_driver'
const DRIVER_FILENAME = '<pyward-driver>'

export function readDriverSource(): string {
  return readFileSync(new URL('../../python/driver.py', import.meta.url), 'utf8')
}

/**
 * Loads driver.py as the module {@link DRIVER_MODULE}, from Python alone: no JavaScript object
 * is handed to Python, so the interpreter's memory can still be snapshotted after. (A JSON string
 * is a valid Python string literal.)
 */
export function installDriver(pyodide: PyodideAPI, source: string): void {
  pyodide.runPython(
    [
      'import sys, types',
      `_module = types.ModuleType(${JSON.stringify(DRIVER_MODULE)})`,
      `exec(compile(${JSON.stringify(source)}, ${JSON.stringify(DRIVER_FILENAME)}, "exec"), _module.__dict__)`,
      `sys.modules[${JSON.stringify(DRIVER_MODULE)}] = _module`,
      'del _module',
    ].join('\n'),
  )
}

/**
 * Imports the modules a snapshot carries and the driver (compiled, its functions defined: a
 * restored sandbox only configures it), then copies the interpreter's memory.
 */
export function makeSnapshot(
  pyodide: PyodideAPI,
  preload: readonly string[],
  driverSource: string,
): Uint8Array {
  for (const name of preload) {
    if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(name)) throw new Error(`bad module name ${name}`)
  }
  if (preload.length > 0) pyodide.runPython(`import ${preload.join(', ')}`)
  installDriver(pyodide, driverSource)
  return (pyodide as unknown as { makeMemorySnapshot(): Uint8Array }).makeMemorySnapshot()
}

/** The WebAssembly import CPython calls to poll for signals (Python's eval loop, many times a second). */
const SIGNAL_POLL_IMPORT = '_Py_CheckEmscriptenSignals_Helper'

/**
 * Hooks Pyodide's WebAssembly instantiation, only while it loads, for two things:
 *
 * - The signal poll: Pyodide answers CPython's poll with a JavaScript function that looks up its
 *   interrupt buffer on the module object, reads and clears it in a try block: as a getter (how
 *   pyward's clock decides on its own, without a second thread), it made loop-heavy code nearly
 *   twice as slow. The import is replaced by `pollSignals`, a plain function that returns the
 *   signal (2 for SIGINT) or 0. Not finding the import is an error: a sandbox whose soft interrupt
 *   silently did nothing would only ever be stopped by the host's kill.
 * - Memory for a snapshot: Pyodide (314.0.7) fails to restore one larger than its initial 30 MiB
 *   heap ("offset is out of bounds", pyodide issue 6254); the workaround is to grow the fresh
 *   instance's memory to the snapshot's size before Pyodide copies the snapshot in (the growth
 *   goes through the memory cap like any other).
 */
async function withInstantiateHook<T>(
  hook: { pollSignals: () => number; memoryBytes: number },
  load: () => Promise<T>,
): Promise<T> {
  const wasm = (
    globalThis as unknown as {
      WebAssembly: {
        instantiate(source: unknown, imports?: Record<string, unknown>): Promise<unknown>
        Memory: new (...args: never[]) => { buffer: ArrayBuffer; grow(pages: number): number }
      }
    }
  ).WebAssembly
  const instantiate = wasm.instantiate
  let pollHooked = false
  wasm.instantiate = async function (
    this: unknown,
    source: unknown,
    imports?: Record<string, unknown>,
  ) {
    const env = imports?.env as Record<string, unknown> | undefined
    if (env && typeof env[SIGNAL_POLL_IMPORT] === 'function') {
      imports = { ...imports, env: { ...env, [SIGNAL_POLL_IMPORT]: hook.pollSignals } }
      pollHooked = true
    }
    const result = (await instantiate.call(this, source, imports)) as {
      instance?: { exports?: Record<string, unknown> }
      exports?: Record<string, unknown>
    }
    const memory = (result.instance ?? result).exports?.memory
    if (memory instanceof wasm.Memory && memory.buffer.byteLength < hook.memoryBytes) {
      memory.grow(Math.ceil((hook.memoryBytes - memory.buffer.byteLength) / WASM_PAGE_BYTES))
    }
    return result
  }
  try {
    const loaded = await load()
    if (!pollHooked)
      throw new Error(`Pyodide no longer imports ${SIGNAL_POLL_IMPORT}: pyward cannot interrupt it`)
    return loaded
  } finally {
    wasm.instantiate = instantiate
  }
}
