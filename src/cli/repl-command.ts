/**
 * `pyward repl`: an interactive session in one sandbox. Each entry runs as a run of its own,
 * with the time limit; a sandbox that was killed or crashed is replaced by a fresh one, and the
 * user is told that its state is gone.
 *
 * @module
 */
import { createInterface } from 'node:readline'
import { Command } from 'commander'
import { Sandbox } from '../api/sandbox.js'
import type { PolicyOptions } from '../policy/schema.js'
import { warnAboutMissingLayers } from './isolation-warning.js'
import { addPolicyFlags, type PolicyFlags, policyFromFlags } from './policy-flags.js'
import { isIncomplete } from './repl-input.js'
import { reportFailure, reportRun } from './report.js'

export function createReplCommand(): Command {
  const command = new Command('repl').description('an interactive Python session in one sandbox')
  addPolicyFlags(command)
  command.action(async (flags: PolicyFlags) => {
    process.exitCode = await startRepl(flags)
  })
  return command
}

async function startRepl(flags: PolicyFlags): Promise<number> {
  let policy: PolicyOptions
  let sandbox: Sandbox
  try {
    policy = await policyFromFlags(flags)
    // The native runtime runs with every layer or not at all: nothing to warn about.
    if (flags.runtime !== 'native') await warnAboutMissingLayers(flags.isolation)
    sandbox = await Sandbox.create(policy)
  } catch (error) {
    return reportFailure(error)
  }
  // Piped input gets no banner and no prompts, so the output is only the session's.
  const interactive = process.stdin.isTTY === true
  const terminal = createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: interactive,
  })
  const prompt = (text: '>>> ' | '... ') => {
    if (!interactive) return
    terminal.setPrompt(text)
    terminal.prompt()
  }
  let buffer: string[] = []
  let running: AbortController | null = null
  if (interactive)
    process.stdout.write(
      'pyward: Python in a sandbox. Ctrl-C stops a running entry (and starts a fresh sandbox), Ctrl-D exits.\n',
    )
  prompt('>>> ')

  terminal.on('SIGINT', () => {
    if (running) return running.abort()
    buffer = []
    process.stdout.write('\nKeyboardInterrupt\n')
    prompt('>>> ')
  })

  for await (const line of terminal) {
    buffer.push(line)
    const source = buffer.join('\n')
    if (isIncomplete(buffer)) {
      prompt('... ')
      continue
    }
    buffer = []
    if (source.trim() !== '') {
      // The terminal keeps reading during the run, so that Ctrl-C reaches the SIGINT handler.
      running = new AbortController()
      try {
        const result = await sandbox.run(source, {
          filename: '<stdin>',
          signal: running.signal,
          onStdout: (text) => process.stdout.write(text),
          onStderr: (text) => process.stderr.write(text),
        })
        if (result.valueRepr !== null && result.status === 'ok')
          process.stdout.write(`${result.valueRepr}\n`)
        reportRun(result)
      } catch (error) {
        reportFailure(error)
      }
      running = null
      if (sandbox.closed) {
        process.stderr.write(
          `pyward: the sandbox was closed (${sandbox.closedReason}); starting a fresh one, earlier state is gone\n`,
        )
        try {
          sandbox = await Sandbox.create(policy)
        } catch (error) {
          terminal.close()
          return reportFailure(error)
        }
      }
    }
    prompt('>>> ')
  }
  await sandbox.close()
  if (interactive) process.stdout.write('\n')
  return 0
}
