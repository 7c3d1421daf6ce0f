/**
 * The policy flags shared by `run` and `repl`: command-line spellings of the policy options,
 * with their units (seconds, MB) and defaults shown in `--help`, turned into the options object
 * that the library validates with the one schema.
 *
 * @module
 */
import { readFileSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { type Command, Option } from 'commander'
import { InvalidOptionsError, type OptionIssue } from '../errors.js'
import { ISOLATION_MODES, type IsolationMode } from '../isolation/layers.js'
import * as limits from '../policy/limits.js'
import type { Runtime } from '../policy/resolve-policy.js'
import { type PolicyOptions, RUNTIMES } from '../policy/schema.js'

export interface PolicyFlags {
  runtime: Runtime
  python?: string
  sitePackages?: string[]
  isolation: IsolationMode
  timeout: string
  memory: string
  maxOutput: string
  stdin?: string
  mount: string[]
  env: string[]
  file: string[]
  recursionLimit?: string
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value]

export function addPolicyFlags(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--runtime <name>',
        "interpreter: pyodide (CPython in WebAssembly, in a Node process) or native (the host's python3 with its C extensions, e.g. numpy; only inside every OS layer)",
      )
        .choices(RUNTIMES)
        .default('pyodide'),
    )
    .addOption(
      new Option(
        '--python <path>',
        "native runtime: the host interpreter to run (default: python3 on this shell's PATH)",
      ),
    )
    .addOption(
      new Option(
        '--site-packages <dir>',
        "native runtime: a host directory of packages, read-only on sys.path; repeatable (default: the interpreter's own site-packages)",
      ).argParser(collect),
    )
    .addOption(
      new Option(
        '--isolation <mode>',
        "OS confinement: auto (every layer this host has, with a warning for the rest), strict (every layer or refuse), none (a plain process with Node's permission model)",
      )
        .choices(ISOLATION_MODES)
        .default('auto'),
    )
    .addOption(
      new Option(
        '--timeout <seconds>',
        'wall-clock limit of each run; a soft interrupt, then the sandbox is killed',
      ).default(String(limits.DEFAULT_TIMEOUT_MS / 1000), `${limits.DEFAULT_TIMEOUT_MS / 1000} s`),
    )
    .addOption(
      new Option(
        '--memory <MB>',
        'memory for the Python heap; past it, allocations raise MemoryError',
      ).default(String(limits.DEFAULT_MEMORY_MB), `${limits.DEFAULT_MEMORY_MB} MB`),
    )
    .addOption(
      new Option(
        '--max-output <bytes>',
        'bytes of stdout and of stderr kept, each; past it the run stops',
      ).default(
        String(limits.DEFAULT_MAX_OUTPUT_BYTES),
        `${limits.DEFAULT_MAX_OUTPUT_BYTES} bytes`,
      ),
    )
    .addOption(
      new Option(
        '--stdin <file|->',
        "what Python reads from stdin: a file, or - for this shell's stdin (default: empty)",
      ),
    )
    .addOption(
      new Option(
        '--mount <host[:sandbox]>',
        `expose a host file or directory read-only (default place: ${limits.DEFAULT_MOUNT_ROOT}/<name>); repeatable`,
      )
        .default([], 'none')
        .argParser(collect),
    )
    .addOption(
      new Option('--env <name=value>', 'set an environment variable in the sandbox; repeatable')
        .default([], 'none')
        .argParser(collect),
    )
    .addOption(
      new Option(
        '--file <host:sandbox>',
        `copy a host file into the scratch dir (${limits.SCRATCH_DIR}) before the code runs; repeatable`,
      )
        .default([], 'none')
        .argParser(collect),
    )
    .addOption(
      new Option(
        '--recursion-limit <frames>',
        "Python's recursion limit (default: the interpreter's)",
      ),
    )
}

/** Turns the flags into policy options; flag-level mistakes are reported with the flag's name. */
export async function policyFromFlags(flags: PolicyFlags): Promise<PolicyOptions> {
  const issues: OptionIssue[] = []
  const number = (flag: string, text: string, scale: number, integer: boolean): number => {
    const value = Number(text)
    if (
      text.trim() === '' ||
      !Number.isFinite(value) ||
      value < 0 ||
      (integer && !Number.isInteger(value))
    ) {
      issues.push({
        path: flag,
        message: `must be a ${integer ? 'whole ' : ''}number (received ${JSON.stringify(text)})`,
      })
      return 0
    }
    return Math.round(value * scale)
  }
  const timeoutMs = number('--timeout', flags.timeout, 1000, false)
  if (timeoutMs < 1 || timeoutMs > limits.MAX_TIMEOUT_MS) {
    issues.push({
      path: '--timeout',
      message: `must be from 0.001 to ${limits.MAX_TIMEOUT_MS / 1000} seconds (received ${JSON.stringify(flags.timeout)})`,
    })
  }
  const options: PolicyOptions = {
    runtime: flags.runtime,
    isolation: flags.isolation,
    timeoutMs,
    memoryMb: number('--memory', flags.memory, 1, true),
    maxOutputBytes: number('--max-output', flags.maxOutput, 1, true),
    mounts: flags.mount.map(parseMount),
    env: Object.fromEntries(flags.env.map((pair) => parsePair('--env', pair, '=', issues))),
    files: Object.fromEntries(
      flags.file.flatMap((pair) => {
        const [host, guest] = parsePair('--file', pair, ':', issues)
        if (!host) return []
        try {
          return [[guest, new Uint8Array(readFileSync(host))]]
        } catch (cause) {
          issues.push({
            path: '--file',
            message: `cannot read ${JSON.stringify(host)} (${(cause as NodeJS.ErrnoException).code ?? cause})`,
          })
          return []
        }
      }),
    ),
  }
  if (flags.python !== undefined) {
    options.python = isAbsolute(flags.python) ? flags.python : resolve(flags.python)
  }
  if (flags.sitePackages !== undefined) {
    options.sitePackages = flags.sitePackages.map((dir) => (isAbsolute(dir) ? dir : resolve(dir)))
  }
  if (flags.recursionLimit !== undefined) {
    options.recursionLimit = number('--recursion-limit', flags.recursionLimit, 1, true)
  }
  if (flags.stdin !== undefined) options.stdin = await readStdinFlag(flags.stdin, issues)
  if (issues.length > 0) throw new InvalidOptionsError(issues)
  return options
}

/** Names the flags instead of the library's option names in validation messages. */
export const FLAG_NAMES: Record<string, string> = {
  runtime: '--runtime',
  python: '--python',
  sitePackages: '--site-packages',
  isolation: '--isolation',
  timeoutMs: '--timeout',
  memoryMb: '--memory',
  maxOutputBytes: '--max-output',
  stdin: '--stdin',
  env: '--env',
  mounts: '--mount',
  files: '--file',
  recursionLimit: '--recursion-limit',
}

/** HOST[:SANDBOX], where SANDBOX is the part after the last ':' that starts an absolute path. */
function parseMount(text: string): { hostPath: string; sandboxPath?: string } {
  const split = text.lastIndexOf(':/')
  const host = split > 0 ? text.slice(0, split) : text
  const hostPath = isAbsolute(host) ? host : resolve(host)
  return split > 0 ? { hostPath, sandboxPath: text.slice(split + 1) } : { hostPath }
}

function parsePair(
  flag: string,
  text: string,
  separator: string,
  issues: OptionIssue[],
): [string, string] {
  const at = text.indexOf(separator)
  if (at <= 0) {
    issues.push({
      path: flag,
      message: `must look like a${separator}b (received ${JSON.stringify(text)})`,
    })
    return ['', '']
  }
  return [text.slice(0, at), text.slice(at + 1)]
}

async function readStdinFlag(source: string, issues: OptionIssue[]): Promise<Uint8Array> {
  try {
    if (source !== '-') return new Uint8Array(readFileSync(source))
    const chunks: Buffer[] = []
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
    return new Uint8Array(Buffer.concat(chunks))
  } catch (cause) {
    issues.push({
      path: '--stdin',
      message: `cannot read ${JSON.stringify(source)} (${(cause as NodeJS.ErrnoException).code ?? cause})`,
    })
    return new Uint8Array(0)
  }
}
