/**
 * `pyward run FILE | -c CODE`: one program in a fresh sandbox. Its output is relayed as it comes
 * and pyward exits with its exit status; `--json` prints the whole RunResult instead.
 *
 * @module
 */
import { readFileSync } from 'node:fs'
import { Command, Option } from 'commander'
import { run } from '../api/run.js'
import { SandboxError } from '../errors.js'
import { exitCodeOf } from './exit-codes.js'
import { warnAboutMissingLayers } from './isolation-warning.js'
import { addPolicyFlags, type PolicyFlags, policyFromFlags } from './policy-flags.js'
import { reportFailure, reportRun } from './report.js'

interface RunFlags extends PolicyFlags {
  c?: string
  json?: boolean
}

export function createRunCommand(): Command {
  const command = new Command('run')
    .description('run a Python program in a fresh sandbox')
    .argument('[file]', 'the Python file to run (or use -c)')
    .addOption(new Option('-c <code>', 'run this code instead of a file'))
    .addOption(
      new Option('--json', 'print the whole result as JSON instead of relaying the output'),
    )
  addPolicyFlags(command)
  command.action(async (file: string | undefined, flags: RunFlags) => {
    process.exitCode = await runProgram(file, flags)
  })
  return command
}

async function runProgram(file: string | undefined, flags: RunFlags): Promise<number> {
  try {
    const { code, filename } = readProgram(file, flags.c)
    const policy = await policyFromFlags(flags)
    // The native runtime runs with every layer or not at all: nothing to warn about.
    if (flags.runtime !== 'native') await warnAboutMissingLayers(flags.isolation)
    const relay = !flags.json
    const result = await run(code, {
      ...policy,
      filename,
      ...(relay
        ? {
            onStdout: (text: string) => process.stdout.write(text),
            onStderr: (text: string) => process.stderr.write(text),
          }
        : {}),
    })
    if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
    else reportRun(result)
    return exitCodeOf(result)
  } catch (error) {
    return reportFailure(error)
  }
}

function readProgram(
  file: string | undefined,
  code: string | undefined,
): { code: string; filename: string } {
  if (code !== undefined && file !== undefined) {
    throw new SandboxError(
      'INVALID_OPTIONS',
      `Give either a file or -c CODE, not both (received ${JSON.stringify(file)} and -c).`,
    )
  }
  if (code !== undefined) return { code, filename: '<string>' }
  if (file === undefined) {
    throw new SandboxError(
      'INVALID_OPTIONS',
      'Nothing to run: give a Python file (pyward run script.py) or -c CODE.',
    )
  }
  try {
    return { code: readFileSync(file, 'utf8'), filename: file }
  } catch (cause) {
    throw new SandboxError(
      'INVALID_OPTIONS',
      `Cannot read ${JSON.stringify(file)} (${(cause as NodeJS.ErrnoException).code ?? cause}): give an existing Python file.`,
      { cause },
    )
  }
}
