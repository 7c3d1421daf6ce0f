/**
 * A sandbox: one isolated Python interpreter whose state lasts across runs, until it is closed.
 *
 * @module
 */
import { SandboxError } from '../errors.js'
import { parseOptions } from '../policy/option-issues.js'
import { type ResolvedPolicy, resolvePolicy, toBytes } from '../policy/resolve-policy.js'
import { resolveScratchPath } from '../policy/sandbox-paths.js'
import { runSettingsSchema } from '../policy/schema.js'
import type { FileEntry } from '../protocol/messages.js'
import { nativeRuntime } from '../runtimes/native/native-runtime.js'
import { pyodideRuntime } from '../runtimes/pyodide/pyodide-runtime.js'
import type {
  RunRequestOptions,
  Runtime,
  RuntimeSession,
  StartOptions,
} from '../runtimes/runtime.js'
import type { SandboxCallOptions, SandboxOptions, SandboxRunOptions } from './options.js'
import { type RunResult, toRunResult } from './run-result.js'

export type { FileEntry }

const DEFAULT_FILENAME = '<string>'

const RUNTIMES: Record<ResolvedPolicy['runtime'], Runtime> = {
  pyodide: pyodideRuntime,
  native: nativeRuntime,
}

/** The key of the pool's way to start a sandbox; not exported from the package. */
export const START: unique symbol = Symbol('pyward.start')

/**
 * @example
 * ```ts
 * await using sandbox = await Sandbox.create({ timeoutMs: 2_000 })
 * await sandbox.run('def add(a, b): return a + b')
 * const result = await sandbox.call('add', [2, 3]) // result.value === 5
 * ```
 */
export class Sandbox implements AsyncDisposable {
  readonly #session: RuntimeSession
  readonly #policy: ResolvedPolicy

  private constructor(session: RuntimeSession, policy: ResolvedPolicy) {
    this.#session = session
    this.#policy = policy
  }

  /**
   * Validates the options, starts an isolated interpreter and waits until it is ready.
   * @throws InvalidOptionsError for bad options; SandboxError `RUNTIME_START_FAILED` if it cannot start.
   */
  static async create(options: SandboxOptions = {}): Promise<Sandbox> {
    return Sandbox[START](options, {})
  }

  /** For the pool (not public): a sandbox started with runtime options. */
  static async [START](options: SandboxOptions, start: StartOptions): Promise<Sandbox> {
    const policy = resolvePolicy(options)
    return new Sandbox(await RUNTIMES[policy.runtime].start(policy, start), policy)
  }

  /** True once the sandbox was closed, killed or crashed: it runs nothing more. */
  get closed(): boolean {
    return this.#session.closedReason !== null
  }

  /** Why the sandbox is closed, or null while it is usable. */
  get closedReason(): string | null {
    return this.#session.closedReason
  }

  /**
   * Runs Python code in this sandbox's `__main__`; the last expression is the result's value.
   * Whatever the code does comes back as a {@link RunResult}; only host-side failures throw.
   * @throws SandboxError `SANDBOX_CLOSED` if the sandbox was closed, killed or crashed.
   */
  async run(code: string, options: SandboxRunOptions = {}): Promise<RunResult> {
    if (typeof code !== 'string') throw invalid('code', 'must be a string of Python source')
    const { onStdout, onStderr, signal, ...settings } = options
    const checked = parseOptions(runSettingsSchema, settings)
    const request = this.#requestOptions(
      { onStdout, onStderr, signal },
      checked.timeoutMs,
      checked.stdin,
    )
    const report = await this.#session.run(code, checked.filename ?? DEFAULT_FILENAME, request)
    return toRunResult(report, this.#session)
  }

  /**
   * Calls a function defined in this sandbox with JSON arguments and returns its value as JSON.
   * The arguments are copied: the guest never touches a host object.
   */
  async call(
    name: string,
    args: readonly unknown[] = [],
    options: SandboxCallOptions = {},
  ): Promise<RunResult> {
    if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw invalid('name', `must be a Python identifier (received ${JSON.stringify(name)})`)
    }
    if (!Array.isArray(args)) throw invalid('args', 'must be an array of JSON values')
    const argsJson = toJson(args)
    const { onStdout, onStderr, signal, ...settings } = options
    const checked = parseOptions(runSettingsSchema.pick({ timeoutMs: true }), settings)
    const request = this.#requestOptions(
      { onStdout, onStderr, signal },
      checked.timeoutMs,
      undefined,
    )
    return toRunResult(await this.#session.call(name, argsJson, request), this.#session)
  }

  /** Writes a file into the scratch dir (a path relative to it, or absolute inside it). */
  async writeFile(path: string, data: string | Uint8Array): Promise<void> {
    if (typeof data !== 'string' && !(data instanceof Uint8Array)) {
      throw invalid('data', 'must be a string or a Uint8Array')
    }
    await this.#session.writeFile(scratchPath(path), toBytes(data))
  }

  /** Reads a regular file of the scratch dir (symlinks are not followed). */
  async readFile(path: string): Promise<Uint8Array> {
    return this.#session.readFile(scratchPath(path))
  }

  /** Lists the scratch dir, recursively; paths are relative to it. */
  async listFiles(): Promise<FileEntry[]> {
    return this.#session.listFiles()
  }

  /** Kills the sandbox. Idempotent. */
  async close(): Promise<void> {
    await this.#session.close()
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  #requestOptions(
    callbacks: Pick<SandboxRunOptions, 'onStdout' | 'onStderr' | 'signal'>,
    timeoutMs: number | undefined,
    stdin: string | Uint8Array | undefined,
  ): RunRequestOptions {
    return {
      timeoutMs: timeoutMs ?? this.#policy.timeoutMs,
      stdin: stdin === undefined ? this.#policy.stdin : toBytes(stdin),
      ...(callbacks.onStdout ? { onStdout: callbacks.onStdout } : {}),
      ...(callbacks.onStderr ? { onStderr: callbacks.onStderr } : {}),
      ...(callbacks.signal ? { signal: callbacks.signal } : {}),
    }
  }
}

function scratchPath(path: unknown): string {
  if (typeof path !== 'string') throw invalid('path', 'must be a string')
  const resolved = resolveScratchPath(path)
  if ('error' in resolved)
    throw invalid('path', `${resolved.error} (received ${JSON.stringify(path)})`)
  return resolved.path
}

function toJson(args: readonly unknown[]): string {
  let text: string | undefined
  try {
    text = JSON.stringify(args, (_key, value) => {
      if (typeof value === 'bigint' || typeof value === 'function' || typeof value === 'symbol') {
        throw new TypeError(`a ${typeof value} is not JSON`)
      }
      return value
    })
  } catch (cause) {
    throw invalid('args', `must be JSON-representable: ${(cause as Error).message}`, cause)
  }
  if (text === undefined) throw invalid('args', 'must be JSON-representable')
  return text
}

function invalid(option: string, message: string, cause?: unknown): SandboxError {
  return new SandboxError(
    'INVALID_OPTIONS',
    `Invalid ${option}: ${message}.`,
    cause ? { cause } : undefined,
  )
}
