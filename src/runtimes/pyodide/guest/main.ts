/**
 * The program every Pyodide sandbox process runs. The host starts it with an empty environment,
 * Node's permission model, code generation from strings disabled, and the protocol on fd 3. It
 * waits for `init`, installs the limits, loads Pyodide (cold or from a memory snapshot), hardens
 * the realm, says `hello`, then serves the host's requests one at a time until the host hangs up.
 * Started to make a snapshot instead, it sends the snapshot and exits.
 *
 * Usage (by the host only): node [flags] main.js <pyodide dir>
 *
 * @module
 */
import { Buffer } from 'node:buffer'
import { constants as osConstants } from 'node:os'
import type { PyodideAPI } from 'pyodide'
import type { HostRequest, InitMessage, Outcome } from '../../../protocol/messages.js'
import { PROTOCOL_VERSION } from '../../../protocol/version.js'
import { awaitQuiet } from './await-quiet.js'
import type { EmscriptenFs, ErrnoCodes } from './emscripten-fs.js'
import { installFileQuota } from './file-quota.js'
import { collectGarbage } from './garbage-collector.js'
import {
  blockWebSocketPackage,
  denyChildProcesses,
  lockUndiciDispatcher,
  replaceStdio,
  shimProcessBinding,
} from './guard-before-load.js'
import { HostReader, sendMessage } from './guest-channel.js'
import { GuestFiles, mountReadOnly } from './guest-files.js'
import { hardenRealm } from './harden-realm.js'
import { createInterruptClock, REFIRE_MS } from './interrupt-clock.js'
import { installMemoryCap } from './memory-cap.js'
import { createRunIo } from './run-io.js'
import {
  DRIVER_MODULE,
  installDriver,
  makeSnapshot,
  readDriverSource,
  startInterpreter,
} from './start-interpreter.js'

interface Driver {
  start(code: string, filename: string): string | PyTask
  call(name: string, argsJson: string): string | PyTask
  interrupt_async(): void
}

/** A Python asyncio Task as Pyodide hands it to JavaScript: awaitable, to be destroyed after. */
type PyTask = PromiseLike<string> & { destroy(): void }

const pyodideDir = process.argv[2]
if (!pyodideDir) throw new Error('usage: main.js <pyodide dir>')
const hostIsGone = watchHost()

// An exception that escapes to the event loop (from Pyodide's async machinery, say) would end
// this process with a report the host cannot use: say what it was, on stderr for the host's
// diagnostics, and as the current run's outcome.
let currentRequestId: string | null = null
process.on('uncaughtException', reportEscapedError)
process.on('unhandledRejection', reportEscapedError)

replaceStdio()
lockUndiciDispatcher()
blockWebSocketPackage(pyodideDir)
shimProcessBinding()
denyChildProcesses()
const host = new HostReader()
const init = readInit(host)
const memory = installMemoryCap(init.memoryCapBytes)
const clock = createInterruptClock(() => memory.overCap(), hostIsGone)
const io = createRunIo(init.maxOutputBytes, clock)

let pyodide: PyodideAPI
let driver: Driver
try {
  pyodide = await startInterpreter(pyodideDir, init.snapshot, clock.poll).catch(
    (error: unknown) => {
      sendMessage({ type: 'startFailed', message: describe(error), loading: true })
      process.exit(1)
    },
  )
  if (init.snapshot.kind === 'make') {
    const snapshot = makeSnapshot(pyodide, init.snapshot.preload, readDriverSource())
    sendMessage({
      type: 'snapshot',
      data: Buffer.from(snapshot.buffer, snapshot.byteOffset, snapshot.byteLength).toString(
        'base64',
      ),
      pyodideVersion: pyodide.version,
    })
    process.exit(0)
  }
  pyodide.setStdout(io.stdout)
  pyodide.setStderr(io.stderr)
  pyodide.setStdin(io.stdin)
  pyodide.setInterruptBuffer(clock.buffer as unknown as Int32Array)
  memory.watch(heapOf(pyodide))
  const fs = pyodide.FS as unknown as EmscriptenFs
  const errno = pyodide.ERRNO_CODES as unknown as ErrnoCodes
  installFileQuota(fs, errno, init.memoryCapBytes)
  mountReadOnly(fs, errno, init.mounts)
  fs.mkdirTree(init.scratchDir)
  for (const file of init.files) {
    fs.mkdirTree(file.path.slice(0, file.path.lastIndexOf('/')) || '/')
    fs.writeFile(file.path, Buffer.from(file.data, 'base64'))
  }
  driver = loadDriver(pyodide)
} catch (error) {
  sendMessage({ type: 'startFailed', message: describe(error) })
  process.exit(1)
}
const files = new GuestFiles(
  pyodide.FS as unknown as EmscriptenFs,
  init.scratchDir,
  init.maxFileBytes,
)
hardenRealm(pyodide)
sendMessage({
  type: 'hello',
  protocolVersion: PROTOCOL_VERSION,
  pythonVersion: pyodide.runPython('import sys; sys.version.split()[0]') as string,
  pyodideVersion: pyodide.version,
})

// Serve requests until the host hangs up. Between requests this thread blocks in read(2): nothing
// the guest scheduled can run while the sandbox is idle.
for (let message = host.next(); message !== null; message = host.next()) {
  if (message.type === 'init') continue
  currentRequestId = message.id
  const reply = await handle(message)
  currentRequestId = null
  sendMessage({ ...reply, id: message.id })
  if (
    reply.type === 'outcome' &&
    (reply.outcome.kind === 'terminated' || reply.outcome.kind === 'fatal')
  ) {
    // The interpreter is gone; the host kills this process when it reads the outcome.
    break
  }
}
process.exit(0)

/**
 * A sandbox must not outlive its host. Idle, it sees the host go as the end of fd 3; busy in
 * Python, it checks on every interrupt poll (at most once a second) whether its parent, the host,
 * still exists, and ends itself if not. The functions are captured now, before the guest could
 * replace them. (A guest busy in its own wasm code never polls: the OS layer's die-with-parent
 * covers that.)
 */
function watchHost(): () => void {
  const hostPid = process.ppid
  // process.kill looks process._kill up when called, and the hardening removes _kill: keep the
  // raw binding, which returns an errno instead of throwing.
  const internals = process as unknown as {
    _kill(pid: number, signal: number): number
    reallyExit(code: number): never
  }
  const probe = internals._kill.bind(process)
  const exit = internals.reallyExit.bind(process)
  let nextCheck = 0
  return () => {
    const now = performance.now()
    if (now < nextCheck) return
    nextCheck = now + 1_000
    if (probe(hostPid, 0) === -osConstants.errno.ESRCH) exit(70)
  }
}

function readInit(reader: HostReader): InitMessage {
  const first = reader.next()
  if (first?.type !== 'init' || first.protocolVersion !== PROTOCOL_VERSION) {
    throw new Error('pyward sandbox: the host did not start with a matching init message')
  }
  return first
}

/**
 * Pyodide's WebAssembly.Memory (its Python heap). The Memory object itself, not Emscripten's
 * HEAP8 view: after a `memory.grow` that Emscripten was not told of, the view still holds the old,
 * detached buffer, while the Memory's buffer is always the current one.
 */
function heapOf(py: PyodideAPI): { readonly buffer: ArrayBuffer } {
  return (py as unknown as { _module: { memory: { readonly buffer: ArrayBuffer } } })._module.memory
}

/**
 * The driver module (driver.py), configured for this session. A snapshot already holds it (its
 * code compiled, its functions defined); a cold start loads it first.
 */
function loadDriver(py: PyodideAPI): Driver {
  if (init.snapshot.kind !== 'restore') installDriver(py, readDriverSource())
  const module = py.pyimport(DRIVER_MODULE)
  const configure = module.configure
  configure(
    py.toPy(init.env),
    init.scratchDir,
    init.recursionLimit ?? undefined,
    init.maxValueBytes,
  )
  configure.destroy()
  if (init.warmUp) {
    module.warm_up()
    // A pooled sandbox idles before its run: what starting it left behind (the snapshot's copy,
    // Pyodide's loading buffers) goes back to the OS now rather than at some later collection.
    collectGarbage()
    awaitQuiet()
  }
  // Kept for the life of the sandbox: attributes got from a proxy die with it.
  return { start: module.start, call: module.call, interrupt_async: module.interrupt_async }
}

async function handle(request: HostRequest) {
  switch (request.type) {
    case 'run':
      return runRequest(request, () => driver.start(request.code, request.filename))
    case 'call':
      return runRequest(request, () => driver.call(request.name, request.args))
    case 'writeFile':
      return files.write(request.path, Buffer.from(request.data, 'base64'))
    case 'readFile':
      return files.read(request.path)
    case 'listFiles':
      return files.list()
    default:
      return assertNever(request)
  }
}

/** Runs guest code under this run's clock, stdin and output caps, and reports how it ended. */
async function runRequest(
  request: { timeoutMs: number; stdin?: string },
  step: () => string | PyTask,
) {
  io.begin(Buffer.from(request.stdin ?? '', 'base64'))
  memory.reset()
  clock.arm(request.timeoutMs)
  const startedAt = performance.now()
  let outcome: Outcome
  try {
    const result = step()
    const text =
      typeof result === 'string' ? result : await settleTask(result, startedAt + request.timeoutMs)
    outcome = JSON.parse(text) as Outcome
    if (outcome.kind === 'interrupted')
      outcome.reason = io.truncated.stdout || io.truncated.stderr ? 'output' : 'timeout'
  } catch (error) {
    outcome = interpreterEnded(error)
  } finally {
    clock.disarm()
    io.end()
  }
  if (memory.overCap()) {
    // Memory never shrinks: this interpreter stays over its limit, so it must not be used again.
    outcome = {
      kind: 'fatal',
      message: 'the Python heap grew past the memory limit outside the allocator',
    }
  }
  return outcomeMessage(outcome)
}

/** The reply to a run: how it ended, with what the sandbox saw of its limits. */
function outcomeMessage(outcome: Outcome) {
  return {
    type: 'outcome' as const,
    outcome,
    memoryCapHit: memory.hit || memory.overCap(),
    stdoutTruncated: io.truncated.stdout,
    stderrTruncated: io.truncated.stderr,
    // Unset only if an error escapes before Pyodide has loaded.
    heapBytes: pyodide === undefined ? 0 : heapOf(pyodide).buffer.byteLength,
  }
}

/**
 * Awaits an async run. While it awaits, no Python bytecode runs and the interrupt clock cannot
 * fire, so a timer cancels the task at the deadline (and again while it refuses to stop). The
 * clock is held off while the driver cancels, so the interrupt does not land in the driver.
 */
async function settleTask(task: PyTask, deadline: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined
  const cancelAt = (when: number): void => {
    timer = setTimeout(
      () => {
        clock.disarm()
        try {
          driver.interrupt_async()
        } finally {
          clock.arm(REFIRE_MS)
        }
        cancelAt(performance.now() + REFIRE_MS)
      },
      Math.max(0, when - performance.now()),
    )
  }
  cancelAt(deadline)
  try {
    return await task
  } finally {
    clearTimeout(timer)
    task.destroy()
  }
}

function reportEscapedError(error: unknown): void {
  const message = `an error escaped the interpreter: ${describe(error)}`
  process.stderr.write(`pyward sandbox: ${message}\n`)
  if (currentRequestId !== null) {
    sendMessage({ ...outcomeMessage({ kind: 'fatal', message }), id: currentRequestId })
  }
  process.exit(70)
}

/**
 * A JavaScript exception out of the driver means the interpreter itself ended: os._exit() (Emscripten
 * throws its ExitStatus, which Pyodide rethrows as an Error named "Exit"), or a fatal error.
 */
function interpreterEnded(error: unknown): Outcome {
  const { name, status, message } = (error ?? {}) as {
    name?: unknown
    status?: unknown
    message?: unknown
  }
  const exit = /^Program terminated with exit\((-?\d+)\)$/.exec(String(message))
  if ((name === 'ExitStatus' || name === 'Exit') && (typeof status === 'number' || exit)) {
    return {
      kind: 'terminated',
      exitCode: (typeof status === 'number' ? status : Number(exit?.[1])) & 0xff,
    }
  }
  return { kind: 'fatal', message: describe(error) }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}

function assertNever(value: never): never {
  throw new Error(`unknown request ${JSON.stringify(value)}`)
}
