/**
 * `pyward serve`: the HTTP service (src/server). Listens on 127.0.0.1:8080 by default; beyond
 * loopback it needs API keys (--api-key-file). Prints its URL on stderr and runs until stopped.
 *
 * @module
 */
import { Command, Option } from 'commander'
import { InvalidOptionsError, type OptionIssue } from '../errors.js'
import { ISOLATION_MODES, type IsolationMode } from '../isolation/layers.js'
import type { Runtime } from '../policy/resolve-policy.js'
import { RUNTIMES } from '../policy/schema.js'
import { readApiKeyFile } from '../server/api-keys.js'
import { startServer } from '../server/start-server.js'
import { EXIT_CODES } from './exit-codes.js'
import { readPackageVersion } from './package-version.js'
import { reportFailure } from './report.js'
import { wholeNumberFlag } from './whole-number-flag.js'

interface ServeFlags {
  host: string
  port: string
  apiKeyFile?: string
  maxConcurrency: string
  queue: string
  pool: string
  maxPerKey?: string
  maxSessions: string
  maxSessionsPerKey?: string
  sessionTtl: string
  runtimes: string
  isolation: IsolationMode
}

export function createServeCommand(): Command {
  return new Command('serve')
    .description('serve sandboxed runs over HTTP (POST /v1/run; GET /v1/health)')
    .addOption(new Option('--host <address>', 'address to listen on').default('127.0.0.1'))
    .addOption(new Option('--port <number>', 'port to listen on (0: any free one)').default('8080'))
    .addOption(
      new Option(
        '--api-key-file <file>',
        'bearer keys, one a line (required to listen beyond 127.0.0.1)',
      ),
    )
    .addOption(new Option('--max-concurrency <n>', 'runs at once').default('2'))
    .addOption(new Option('--queue <n>', 'runs waiting for a turn; past it, 429').default('16'))
    .addOption(
      new Option('--pool <n>', 'warm sandboxes for runs that ask only for the defaults').default(
        '0',
      ),
    )
    .addOption(
      new Option(
        '--max-per-key <n>',
        'runs one API key may have in flight (default: --max-concurrency + --queue)',
      ),
    )
    .addOption(
      new Option('--max-sessions <n>', 'sessions open at once; past it, 429').default('16'),
    )
    .addOption(
      new Option(
        '--max-sessions-per-key <n>',
        'sessions one API key may have open (default: --max-sessions)',
      ),
    )
    .addOption(
      new Option('--session-ttl <seconds>', 'a session idle this long is closed').default('600'),
    )
    .addOption(
      new Option(
        '--runtimes <list>',
        'runtimes a request may ask for, comma-separated: pyodide, native (native has the OS layers only: offer it to clients you trust)',
      ).default('pyodide'),
    )
    .addOption(
      new Option('--isolation <mode>', 'OS confinement of every sandbox')
        .choices(ISOLATION_MODES)
        .default('auto'),
    )
    .action(async (flags: ServeFlags) => {
      try {
        const issues: OptionIssue[] = []
        const whole = (flag: string, text: string, min: number, max: number) =>
          wholeNumberFlag(flag, text, min, max, issues)
        const port = whole('--port', flags.port, 0, 65_535)
        const maxConcurrency = whole('--max-concurrency', flags.maxConcurrency, 1, 256)
        const queue = whole('--queue', flags.queue, 0, 100_000)
        const pool = whole('--pool', flags.pool, 0, 64)
        const maxPerKey =
          flags.maxPerKey === undefined
            ? undefined
            : whole('--max-per-key', flags.maxPerKey, 1, 100_000)
        const maxSessions = whole('--max-sessions', flags.maxSessions, 0, 10_000)
        const maxSessionsPerKey =
          flags.maxSessionsPerKey === undefined
            ? undefined
            : whole('--max-sessions-per-key', flags.maxSessionsPerKey, 1, 10_000)
        const sessionTtl = whole('--session-ttl', flags.sessionTtl, 1, 7 * 24 * 3_600)
        const runtimes = flags.runtimes.split(',').map((name) => name.trim())
        const unknown = runtimes.filter((name) => !(RUNTIMES as readonly string[]).includes(name))
        if (unknown.length > 0 || runtimes.length === 0) {
          issues.push({
            path: '--runtimes',
            message: `must list runtimes among ${RUNTIMES.join(', ')} (received ${JSON.stringify(flags.runtimes)})`,
          })
        }
        let keys: string[] = []
        try {
          if (flags.apiKeyFile !== undefined) keys = readApiKeyFile(flags.apiKeyFile)
        } catch (error) {
          issues.push({ path: '--api-key-file', message: (error as Error).message })
        }
        if (issues.length > 0) throw new InvalidOptionsError(issues)
        const server = await startServer({
          host: flags.host,
          port,
          apiKeys: keys,
          maxConcurrency,
          queue,
          pool,
          ...(maxPerKey !== undefined ? { maxPerKey } : {}),
          maxSessions,
          ...(maxSessionsPerKey !== undefined ? { maxSessionsPerKey } : {}),
          sessionIdleMs: sessionTtl * 1_000,
          runtimes: runtimes as Runtime[],
          isolation: flags.isolation,
          version: readPackageVersion(),
        })
        process.stderr.write(`pyward: serving on ${server.url}\n`)
        const stop = () => {
          void server.close().then(() => process.exit(0))
        }
        process.once('SIGINT', stop)
        process.once('SIGTERM', stop)
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code
        if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
          process.stderr.write(
            `pyward: cannot listen on ${flags.host}:${flags.port} (${code}): choose another --host or --port\n`,
          )
          process.exitCode = EXIT_CODES.hostFailure
          return
        }
        process.exitCode = reportFailure(error)
      }
    })
}
