/**
 * `pyward mcp`: the MCP server (src/mcp) on stdio, for an agent's client to start as a
 * subprocess. stdout carries JSON-RPC and nothing else: the guests' output travels inside the
 * messages (pyward captures it; a sandbox's own stdout is /dev/null), and everything pyward itself
 * has to say goes to stderr. It runs until its stdin ends or it is signalled, then closes every
 * session.
 *
 * @module
 */
import { Console } from 'node:console'
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import { Command, Option } from 'commander'
import { InvalidOptionsError, type OptionIssue } from '../errors.js'
import { createMcpServer } from '../mcp/mcp-server.js'
import { DEFAULT_MAX_SESSIONS } from '../mcp/session-registry.js'
import { parseOptions } from '../policy/option-issues.js'
import { policySchema } from '../policy/schema.js'
import { warnAboutMissingLayers } from './isolation-warning.js'
import { readPackageVersion } from './package-version.js'
import { addPolicyFlags, type PolicyFlags, policyFromFlags } from './policy-flags.js'
import { reportFailure } from './report.js'
import { wholeNumberFlag } from './whole-number-flag.js'

interface McpFlags extends Omit<PolicyFlags, 'stdin'> {
  maxSessions: string
}

/** Every policy flag but --stdin: the server's stdin is the JSON-RPC stream, never a guest's. */
const UNSHARED_FLAGS = new Set(['--stdin'])

export function createMcpCommand(): Command {
  const command = new Command('mcp').description(
    'serve sandboxed runs to an MCP client over stdio (tools: run_python_code, create_session, run_in_session, close_session)',
  )
  const policyOptions = addPolicyFlags(new Command()).options
  for (const option of policyOptions) {
    if (!UNSHARED_FLAGS.has(option.long ?? '')) command.addOption(option)
  }
  command.addOption(
    new Option(
      '--max-sessions <n>',
      'sessions open at once; past it, create_session fails',
    ).default(String(DEFAULT_MAX_SESSIONS), String(DEFAULT_MAX_SESSIONS)),
  )
  command.action(async (flags: McpFlags) => {
    try {
      await serveMcp(flags)
    } catch (error) {
      process.exitCode = reportFailure(error)
    }
  })
  return command
}

async function serveMcp(flags: McpFlags): Promise<void> {
  const issues: OptionIssue[] = []
  const maxSessions = wholeNumberFlag('--max-sessions', flags.maxSessions, 0, 64, issues)
  if (issues.length > 0) throw new InvalidOptionsError(issues)
  const policy = await policyFromFlags(flags)
  // Checked once here, so that a bad flag stops the server instead of failing every call.
  parseOptions(policySchema, policy)
  // The native runtime runs with every layer or not at all: nothing to warn about.
  if (flags.runtime !== 'native') await warnAboutMissingLayers(flags.isolation)

  // Belt and braces: whatever logs through the console while serving writes to stderr.
  globalThis.console = new Console({ stdout: process.stderr, stderr: process.stderr })
  const mcp = createMcpServer({ policy, maxSessions, version: readPackageVersion() })
  let stopping = false
  const stop = () => {
    if (stopping) return
    stopping = true
    void mcp.close().finally(() => process.exit(0))
  }
  process.stdin.once('end', stop)
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
  await mcp.server.connect(new StdioServerTransport())
}
