/**
 * What must be in place before Pyodide loads, and before anything in this process touches the
 * objects involved: once created, Node's stdio objects and undici's global client would be there
 * for the guest to find.
 *
 * @module
 */
import { Buffer } from 'node:buffer'
import childProcess from 'node:child_process'
import { constants as fsConstants, writeSync } from 'node:fs'
import { createRequire, syncBuiltinESMExports } from 'node:module'
import { constants as osConstants } from 'node:os'
import { join } from 'node:path'

/**
 * Emscripten's socket code loads the `ws` package with Node's real CommonJS loader the first time
 * a Python socket connects, and the loader builds a Module object (whose `require` loads any
 * built-in) before the permission model refuses to read the file; a setter on a prototype caught
 * it (measured: net, fs and os from a failed `socket.connect`). An empty module put in the loader's
 * cache first is returned instead, and the connect fails as "host unreachable", as it did.
 */
export function blockWebSocketPackage(pyodideDir: string): void {
  const require = createRequire(join(pyodideDir, 'pyodide.asm.mjs'))
  let resolved: string
  try {
    resolved = require.resolve('ws')
  } catch {
    return // not installed: the loader fails before it builds anything
  }
  require.cache[resolved] = Object.freeze({
    id: resolved,
    filename: resolved,
    loaded: true,
    exports: Object.freeze({}),
    children: [],
    paths: [],
  }) as unknown as NodeJS.Module
}

/**
 * Node loads its bundled undici the first time anything touches `Response`, `Request`,
 * `Headers`, `FormData`, `MessageEvent` or `WebAssembly.compileStreaming`, and undici then puts
 * an HTTP client (an Agent, and through it net.Socket, TCP and Pipe) on this global symbol
 * (measured: requests, raw TCP, listening ports and host socket files, with `fetch` removed).
 * Claiming the symbol first, locked, makes undici fail to load at all.
 */
export function lockUndiciDispatcher(): void {
  Object.defineProperty(globalThis, Symbol.for('undici.globalDispatcher.1'), {
    value: undefined,
    writable: false,
    configurable: false,
  })
}

/** What the sandbox may write to its own stderr (Node's and Pyodide's messages) in all. */
const DIAGNOSTICS_BYTES = 64 * 1024

/**
 * Replaces process.stdin/stdout/stderr before anything creates them. Node's stdio objects are the
 * guest's way into Node internals: a pipe's net.Socket hands out the Socket, Pipe and TCP classes
 * (measured: network connections, listening sockets, and host files created and deleted through
 * Pipe.bind), and stdin's ReadStream holds the whole `fs` module. The stand-ins only write
 * diagnostics to fd 2 (the host keeps a bounded tail), up to a fixed total. Must run first.
 */
export function replaceStdio(): void {
  let budget = DIAGNOSTICS_BYTES
  const diagnostics = (chunk: unknown): boolean => {
    const text = typeof chunk === 'string' ? chunk : String(chunk)
    if (budget > 0) {
      const bytes = Buffer.from(text).subarray(0, budget)
      budget -= bytes.byteLength
      try {
        writeSync(2, bytes)
      } catch {
        budget = 0
      }
    }
    return true
  }
  const stream = (fd: number) => {
    const self: Record<string, unknown> = {
      fd,
      isTTY: false,
      writable: fd !== 0,
      readable: fd === 0,
    }
    const chain = () => self
    Object.assign(self, { write: diagnostics, end: chain, on: chain, once: chain, off: chain })
    Object.assign(self, { removeListener: chain, emit: () => false, cork: chain, uncork: chain })
    return Object.freeze(self)
  }
  for (const [name, fd] of [
    ['stdin', 0],
    ['stdout', 1],
    ['stderr', 2],
  ] as const) {
    Object.defineProperty(process, name, {
      value: stream(fd),
      writable: false,
      configurable: false,
    })
  }
}

/**
 * Emscripten's NODEFS calls `process.binding('constants')`, which the permission model refuses.
 * Answer that one call from public modules; refuse every other binding (they are Node's internals:
 * sockets, processes, signals).
 */
export function shimProcessBinding(): void {
  const constants = { fs: fsConstants, os: osConstants }
  Object.defineProperty(process, 'binding', {
    value: (name: string) => {
      if (name === 'constants') return constants
      throw new Error(`pyward: process.binding('${name}') is not available in the sandbox`)
    },
    writable: false,
    configurable: false,
  })
}

/**
 * A guest process would escape every limit of this one, and the permission model's refusal
 * surfaces inside Emscripten's `system()` as a fatal Pyodide error that kills the interpreter. So
 * process creation fails softly here (os.system() sees exit status 126, "cannot execute"), and
 * the driver turns it into a PermissionError.
 */
export function denyChildProcesses(): void {
  const refuse = (): never => {
    throw Object.assign(new Error('pyward: starting processes is not permitted in the sandbox'), {
      code: 'EACCES',
    })
  }
  const cp = childProcess as unknown as Record<string, unknown>
  for (const name of ['spawn', 'exec', 'execFile', 'fork', 'execSync', 'execFileSync'])
    cp[name] = refuse
  cp.spawnSync = () => ({
    pid: 0,
    status: 126,
    signal: null,
    output: [],
    stdout: null,
    stderr: null,
  })
  syncBuiltinESMExports()
}
