/**
 * A minimal MCP client over stdio, written by hand so that tests see the stream as it is: it
 * starts the built `pyward mcp`, sends newline-delimited JSON-RPC, and keeps every line the server
 * wrote to stdout, so a test can check that each one is a well-formed message and nothing else.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { join } from 'node:path'
import { ROOT } from './pyward-cli.ts'

const BIN = join(ROOT, 'dist/cli/main.js')

export interface JsonRpcResponse {
  jsonrpc: '2.0'
  id: number
  result?: Record<string, unknown>
  error?: { code: number; message: string }
}

export interface ToolResult {
  content: { type: string; text: string }[]
  structuredContent?: Record<string, unknown>
  isError?: boolean
}

export class McpStdioClient {
  /** Every line the server wrote to stdout, in order. */
  readonly lines: string[] = []
  /** Lines that were not a JSON-RPC response to a request of ours. */
  readonly strayLines: string[] = []
  readonly exited: Promise<number | null>
  readonly #child: ChildProcessWithoutNullStreams
  readonly #pending = new Map<number, (response: JsonRpcResponse) => void>()
  #stderr = ''
  #nextId = 1

  constructor(args: string[] = []) {
    this.#child = spawn(process.execPath, [BIN, 'mcp', ...args], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let buffered = ''
    this.#child.stdout.setEncoding('utf8')
    this.#child.stdout.on('data', (chunk: string) => {
      buffered += chunk
      for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
        this.#receive(buffered.slice(0, end))
        buffered = buffered.slice(end + 1)
      }
    })
    this.#child.stderr.on('data', (chunk) => {
      this.#stderr += chunk
    })
    this.exited = new Promise((resolve) => this.#child.once('exit', (code) => resolve(code)))
  }

  get pid(): number {
    return this.#child.pid ?? -1
  }

  /** What the server wrote to stderr (its warnings), for assertion messages. */
  get stderr(): string {
    return this.#stderr
  }

  /** The id the next request will have. */
  get nextId(): number {
    return this.#nextId
  }

  request(method: string, params?: Record<string, unknown>): Promise<JsonRpcResponse> {
    const id = this.#nextId++
    const answered = new Promise<JsonRpcResponse>((resolve) => this.#pending.set(id, resolve))
    this.#send({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) })
    return answered
  }

  notify(method: string, params?: Record<string, unknown>): void {
    this.#send({ jsonrpc: '2.0', method, ...(params ? { params } : {}) })
  }

  /** The handshake: initialize, then notifications/initialized. */
  async initialize(): Promise<JsonRpcResponse> {
    const response = await this.request('initialize', {
      protocolVersion: '2025-06-18',
      capabilities: {},
      clientInfo: { name: 'pyward-test', version: '0' },
    })
    this.notify('notifications/initialized')
    return response
  }

  /** tools/call; a JSON-RPC error (rather than a tool result) throws. */
  async callTool(name: string, args: Record<string, unknown>): Promise<ToolResult> {
    const response = await this.request('tools/call', { name, arguments: args })
    if (response.error) throw new Error(`tools/call ${name}: ${JSON.stringify(response.error)}`)
    return response.result as unknown as ToolResult
  }

  /** Ends the server's stdin, as a client that goes away does, and waits for it to exit. */
  async close(): Promise<number | null> {
    this.#child.stdin.end()
    return this.exited
  }

  /** SIGKILL, for cleanup after a failed test. */
  kill(): void {
    this.#child.kill('SIGKILL')
  }

  #send(message: Record<string, unknown>): void {
    this.#child.stdin.write(`${JSON.stringify(message)}\n`)
  }

  #receive(line: string): void {
    this.lines.push(line)
    let message: JsonRpcResponse
    try {
      message = JSON.parse(line) as JsonRpcResponse
    } catch {
      this.strayLines.push(line)
      return
    }
    const resolve = this.#pending.get(message.id)
    if (message.jsonrpc !== '2.0' || resolve === undefined) {
      this.strayLines.push(line)
      return
    }
    this.#pending.delete(message.id)
    resolve(message)
  }
}
