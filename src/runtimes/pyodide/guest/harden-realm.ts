/**
 * Takes host-reaching capabilities out of the sandbox's JavaScript realm before guest code runs.
 *
 * This is hardening, not the boundary. Python reaches this realm in a few lines (`import js`,
 * `pyodide_js`, any proxy's `constructor`), so everything left here is the guest's. The boundary
 * is the process (empty environment, own pipes, killed by the host) and, from the next layer on,
 * the OS confinement around it. Node's permission model (no fs writes, reads only of the runtime's
 * files and the mounts, no child processes, workers or addons) backs this up, but Node itself
 * says it is no defence against malicious code, and on Node 20 it leaves the network open.
 *
 * @module
 */
import { Buffer } from 'node:buffer'
import childProcess from 'node:child_process'
import { constants as fsConstants, writeSync } from 'node:fs'
import { syncBuiltinESMExports } from 'node:module'
import { constants as osConstants } from 'node:os'

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

/** `process` members that act on other processes, load native code, or read host state. */
const PROCESS_MEMBERS_TO_REMOVE = [
  // Signals to any process of the same user. `_debugProcess(pid)` sends SIGUSR1, which opens a
  // host Node process's inspector on 127.0.0.1:9229: a full takeover of the host.
  'kill',
  '_kill',
  '_debugProcess',
  '_debugEnd',
  // Native code and Node internals.
  'dlopen',
  '_linkedBinding',
  'getBuiltinModule',
  // Host facts (environment, paths, versions of everything, network interfaces), and file writes.
  'report',
  'loadEnvFile',
  // Live handles of this process, among them the protocol socket.
  '_getActiveHandles',
  '_getActiveRequests',
  'getActiveResourcesInfo',
  'openStdin',
] as const

/**
 * `chdir` lets the guest make relative host paths mean what it wants. Pyodide assigns
 * `process.chdir` itself (loading `pyodide.http` does), so it stays writable, but what it holds
 * refuses.
 */
function refuseChdir(): void {
  Object.defineProperty(process, 'chdir', {
    value: () => {
      throw new Error('pyward: process.chdir is not available in the sandbox')
    },
    writable: true,
    configurable: false,
  })
}

/** Network clients a guest could otherwise use from the realm. */
const GLOBALS_TO_REMOVE = ['fetch', 'WebSocket', 'EventSource', 'require', 'module'] as const

/**
 * Pyodide's own doors to the host: `useNodeSockFS` gives Python real TCP sockets through
 * `node:net` (measured: a guest reached a loopback listener through it), and `mountNodeFS` would
 * let the guest mount host directories itself. The guest reaches this API object as `pyodide_js`.
 */
const PYODIDE_MEMBERS_TO_REMOVE = ['useNodeSockFS', 'mountNodeFS'] as const
const PYODIDE_INTERNALS_TO_REMOVE = ['initializeNodeSockFS'] as const

export function hardenRealm(pyodide: object): void {
  for (const name of PYODIDE_MEMBERS_TO_REMOVE) removeMember(pyodide, name)
  const internals = (pyodide as { _api?: object })._api
  if (internals) for (const name of PYODIDE_INTERNALS_TO_REMOVE) removeMember(internals, name)
  for (const name of PROCESS_MEMBERS_TO_REMOVE) removeMember(process, name)
  refuseChdir()
  // The sandbox process starts with an empty environment already; this keeps it that way for
  // anything Node or Pyodide would copy into it later.
  Object.defineProperty(process, 'env', {
    value: Object.freeze(Object.create(null)),
    writable: false,
    configurable: false,
    enumerable: true,
  })
  for (const name of GLOBALS_TO_REMOVE) removeMember(globalThis, name)
}

/** Replaces a member with `undefined`, locked so the guest cannot put it back. */
function removeMember(target: object, name: string): void {
  try {
    Object.defineProperty(target, name, { value: undefined, writable: false, configurable: false })
  } catch {
    ;(target as Record<string, unknown>)[name] = undefined
  }
}
