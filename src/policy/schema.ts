/**
 * The policy: every capability a sandbox gets, default deny. This zod schema is the one source of
 * truth: the library, the CLI (and later the HTTP and MCP entry points) validate through it, and its
 * descriptions feed `--help` and the docs.
 *
 * @module
 */
import { z } from 'zod'
import { ISOLATION_MODES } from '../isolation/layers.js'
import * as limits from './limits.js'

export const RUNTIMES = ['pyodide', 'native'] as const

import { checkMountPath, resolveScratchPath } from './sandbox-paths.js'

/** A whole number within bounds, with a message that says the range and the unit. */
function boundedInt(min: number, max: number, unit: string) {
  const error = `must be a whole number of ${unit} from ${min} to ${max}`
  return z.int({ error }).min(min, { error }).max(max, { error })
}

const BYTES_ERROR = 'must be a string (written as UTF-8) or a Uint8Array'
const bytesSchema = z.union(
  [
    z.string(),
    z.custom<Uint8Array>((value) => value instanceof Uint8Array, { error: BYTES_ERROR }),
  ],
  { error: BYTES_ERROR },
)

const mountSchema = z
  .object({
    hostPath: z
      .string({ error: 'must be a host path (string)' })
      .min(1, { error: 'must be a host path, not empty' })
      .describe('Host file or directory to expose, read-only.'),
    sandboxPath: z
      .string({ error: 'must be an absolute sandbox path (string)' })
      .optional()
      .describe(`Where the guest sees it. Default: ${limits.DEFAULT_MOUNT_ROOT}/<basename>.`),
  })
  .strict()
  .superRefine((mount, ctx) => {
    const problem = mount.sandboxPath === undefined ? null : checkMountPath(mount.sandboxPath)
    if (problem) ctx.addIssue({ code: 'custom', path: ['sandboxPath'], message: problem })
  })

const envValue = z
  .string({ error: 'environment variable values must be strings' })
  .regex(/^[^\0]*$/, { error: 'environment variable values must not contain NUL' })

/** The policy schema. Its input type is {@link PolicyOptions}; its output, the filled-in policy. */
export const policySchema = z
  .object({
    runtime: z
      .enum(RUNTIMES, { error: 'must be "pyodide" or "native"' })
      .default('pyodide')
      .describe(
        'Interpreter: "pyodide" (CPython compiled to WebAssembly, in a Node process) or "native" (the host\'s CPython, with its C extensions; only inside every OS layer).',
      ),
    python: z
      .string({ error: 'must be a host path (string)' })
      .min(1, { error: 'must be a host path, not empty' })
      .optional()
      .describe(
        "Native runtime: the host interpreter to run (absolute path; a venv's python works). Default: python3 on the host's PATH.",
      ),
    sitePackages: z
      .array(z.string({ error: 'must be a host directory (string)' }), {
        error: 'must be an array of host directories',
      })
      .optional()
      .describe(
        "Native runtime: host directories of packages, bound read-only and put on sys.path in order. Default: the interpreter's own site-packages; [] for none.",
      ),
    isolation: z
      .enum(ISOLATION_MODES, { error: 'must be "auto", "strict" or "none"' })
      .default('auto')
      .describe(
        'OS confinement: "auto" (every layer this host supports; the result lists them), "strict" (every layer, or refuse to start), "none" (no namespaces, seccomp or cgroup: a plain process with Node\'s permission model and rlimits).',
      ),
    timeoutMs: boundedInt(1, limits.MAX_TIMEOUT_MS, 'milliseconds')
      .default(limits.DEFAULT_TIMEOUT_MS)
      .describe('Wall-clock limit of each run: a soft interrupt, then the sandbox is killed.'),
    memoryMb: boundedInt(limits.MIN_MEMORY_MB, limits.MAX_MEMORY_MB, 'MiB')
      .default(limits.DEFAULT_MEMORY_MB)
      .describe('Memory for the Python heap; past it, allocations raise MemoryError.'),
    maxOutputBytes: boundedInt(0, limits.MAX_MAX_OUTPUT_BYTES, 'bytes')
      .default(limits.DEFAULT_MAX_OUTPUT_BYTES)
      .describe('Bytes of stdout and of stderr kept, each; past it the run stops (output_limit).'),
    maxValueBytes: boundedInt(0, limits.MAX_MAX_VALUE_BYTES, 'bytes')
      .default(limits.DEFAULT_MAX_VALUE_BYTES)
      .describe('Bytes of the returned value as JSON; a larger value comes back only as repr().'),
    stdin: bytesSchema
      .default('')
      .describe("What Python reads from stdin (never the host's stdin). Default: empty."),
    env: z
      .record(z.string(), envValue, { error: 'must be an object of string values' })
      .default({})
      .superRefine((env, ctx) => {
        for (const name of Object.keys(env)) {
          if (!/^[^=\0]+$/.test(name)) {
            ctx.addIssue({
              code: 'custom',
              path: [name],
              message: 'names must be non-empty, without "=" or NUL',
            })
          }
        }
      })
      .describe("The guest's environment variables. Default: none."),
    mounts: z
      .array(mountSchema, { error: 'must be an array of { hostPath, sandboxPath? }' })
      .default([])
      .describe('Host paths visible read-only inside the sandbox. Default: none.'),
    files: z
      .record(z.string(), bytesSchema, { error: 'must be an object of path: contents' })
      .default({})
      .superRefine((files, ctx) => {
        for (const path of Object.keys(files)) {
          const resolved = resolveScratchPath(path)
          if ('error' in resolved)
            ctx.addIssue({ code: 'custom', path: [path], message: resolved.error })
        }
      })
      .describe(`Files written into the scratch dir (${limits.SCRATCH_DIR}) before the code runs.`),
    recursionLimit: boundedInt(limits.MIN_RECURSION_LIMIT, limits.MAX_RECURSION_LIMIT, 'frames')
      .optional()
      .describe("Python's recursion limit. Default: the interpreter's own."),
  })
  .strict()
  .superRefine((policy, ctx) => {
    if (policy.runtime === 'native') {
      if (policy.isolation === 'none') {
        ctx.addIssue({
          code: 'custom',
          path: ['isolation'],
          input: policy.isolation,
          message:
            'the native runtime runs only inside every OS layer: use isolation "auto" or "strict", or runtime "pyodide" to run without OS confinement',
        })
      }
      return
    }
    for (const name of ['python', 'sitePackages'] as const) {
      if (policy[name] !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          input: policy[name],
          message: 'applies to the native runtime only: set runtime "native", or leave it out',
        })
      }
    }
  })

/** What callers pass: every field optional. */
export type PolicyOptions = z.input<typeof policySchema>

/** Per-run settings a caller may change on an existing sandbox. */
export const runSettingsSchema = z
  .object({
    timeoutMs: policySchema.shape.timeoutMs.unwrap().optional(),
    stdin: bytesSchema.optional(),
    filename: z
      .string({ error: 'must be a string' })
      .min(1, { error: 'must not be empty' })
      .regex(/^[^\0]*$/, { error: 'must not contain NUL' })
      .optional()
      .describe('File name shown in tracebacks. Default: "<string>".'),
  })
  .strict()
