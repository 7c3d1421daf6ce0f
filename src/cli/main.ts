#!/usr/bin/env node
/**
 * The `pyward` command. Each subcommand lives in its own file; this one only wires them up.
 *
 * @module
 */
import { Command } from 'commander'
import { createDoctorCommand } from './doctor-command.js'
import { createMcpCommand } from './mcp-command.js'
import { readPackageVersion } from './package-version.js'
import { createReplCommand } from './repl-command.js'
import { createRunCommand } from './run-command.js'
import { createServeCommand } from './serve-command.js'

const program = new Command('pyward')
  .description(
    'Run untrusted Python in a sandbox: CPython (Pyodide) in a confined process, with time, memory and output limits.',
  )
  .version(readPackageVersion())
  .showHelpAfterError()
  .addCommand(createRunCommand())
  .addCommand(createReplCommand())
  .addCommand(createDoctorCommand())
  .addCommand(createServeCommand())
  .addCommand(createMcpCommand())

await program.parseAsync(process.argv)
