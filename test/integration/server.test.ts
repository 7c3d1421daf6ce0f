/**
 * The HTTP service as a client meets it: a real server on 127.0.0.1:0, real sandboxes, fetch.
 * Limits of the service (keys, body size, queue, per-key runs, bad limits) are judged by the
 * answers; a disconnected client's run by the server's own count of running runs.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { request as httpRequest } from 'node:http'
import { after, before, describe, it } from 'node:test'
import { runResultSchema } from '../../src/api/run-result-schema.ts'
import type { RunResult } from '../../src/index.ts'
import { type RunningServer, startServer } from '../../src/server/start-server.ts'
import { BIN, pyward } from '../helpers/pyward-cli.ts'
import { TEST_TIMEOUT_MS } from '../helpers/sandboxes.ts'

const KEY = 'test-key-0123456789abcdef'
const OTHER_KEY = 'test-key-fedcba9876543210'

interface Answer {
  status: number
  headers: Headers
  body: Record<string, unknown>
}

async function post(
  server: RunningServer,
  body: unknown,
  options: { key?: string | null; raw?: string; signal?: AbortSignal } = {},
): Promise<Answer> {
  const key = options.key === undefined ? KEY : options.key
  const response = await fetch(`${server.url}/v1/run`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key === null ? {} : { authorization: `Bearer ${key}` }),
    },
    body: options.raw ?? JSON.stringify(body),
    ...(options.signal ? { signal: options.signal } : {}),
  })
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  }
}

async function health(server: RunningServer): Promise<{ running: number; waiting: number }> {
  return (await (await fetch(`${server.url}/v1/health`)).json()) as {
    running: number
    waiting: number
  }
}

/** The fields the tests read from the service's JSON answers. */
interface Answered {
  id: string
  value: unknown
  status: string
  error: { code: string; message: string } | null
}

interface StreamEvent {
  type: string
  data?: string
  result?: RunResult
}

const errorCode = (answer: Answer) => (answer.body.error as { code: string } | undefined)?.code

describe('pyward serve', { timeout: TEST_TIMEOUT_MS * 4 }, () => {
  let server: RunningServer

  before(async () => {
    server = await startServer({
      port: 0,
      apiKeys: [KEY, OTHER_KEY],
      maxConcurrency: 1,
      queue: 1,
      maxPerKey: 2,
      limits: { timeoutMs: 2_000 },
    })
  })
  after(() => server.close())

  it('runs code and answers the RunResult', { timeout: TEST_TIMEOUT_MS }, async () => {
    const answer = await post(server, {
      code: 'import sys\nprint(sum(range(10)))\nprint(input(), file=sys.stderr)\n6 * 7',
      stdin: 'from stdin\n',
      filename: 'job.py',
    })
    assert.equal(answer.status, 200)
    // The answer is exactly the documented RunResult (the OpenAPI document's schema).
    const result = runResultSchema.parse(answer.body) as RunResult
    assert.deepEqual(
      [result.status, result.stdout, result.stderr, result.value],
      ['ok', '45\n', 'from stdin\n', 42],
    )
    const failing = await post(server, { code: '1 / 0', filename: 'job.py' })
    assert.equal(failing.status, 200, 'a Python error is a result, not an HTTP error')
    const error = runResultSchema.parse(failing.body).error
    assert.equal(error?.type, 'ZeroDivisionError')
    assert.match(error?.traceback ?? '', /File "job\.py", line 1/)
  })

  it('serves its OpenAPI document and JSON Schemas, generated from its request schemas', async () => {
    const document = (await (await fetch(`${server.url}/v1/openapi.json`)).json()) as {
      openapi: string
      paths: Record<string, unknown>
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> }
    }
    assert.equal(document.openapi, '3.1.0')
    for (const path of ['/v1/run', '/v1/sessions', '/v1/sessions/{id}/run', '/v1/health']) {
      assert.ok(path in document.paths, path)
    }
    const request = document.components.schemas.RunRequest?.properties ?? {}
    assert.ok('code' in request && 'timeoutMs' in request && !('mounts' in request))
    assert.ok('status' in (document.components.schemas.RunResult?.properties ?? {}))
    const schemas = (await (await fetch(`${server.url}/v1/schema`)).json()) as Record<
      string,
      unknown
    >
    assert.deepEqual(Object.keys(schemas).sort(), [
      'Error',
      'RunRequest',
      'RunResult',
      'SandboxRequest',
      'SessionCall',
      'SessionRun',
    ])
  })

  it('refuses a request without a valid key with 401, and says how to send one', async () => {
    for (const key of [null, 'wrong-key-0123456789abcdef']) {
      const answer = await post(server, { code: '1' }, { key })
      assert.equal(answer.status, 401)
      assert.equal(errorCode(answer), 'UNAUTHORIZED')
      assert.equal(answer.headers.get('www-authenticate'), 'Bearer')
    }
    const health = await fetch(`${server.url}/v1/health`)
    assert.equal(health.status, 200, 'health needs no key (for load balancers)')
  })

  it('refuses a body over the limit with 413 before running anything', async () => {
    const answer = await post(server, { code: `x = "${'a'.repeat(9 * 1024 * 1024)}"` })
    assert.equal(answer.status, 413)
    assert.equal(errorCode(answer), 'PAYLOAD_TOO_LARGE')
  })

  it('answers bad requests with 400, naming each field', async () => {
    const bad = await post(server, { code: '1', timeoutMs: -5, memoryMb: 'lots', mounts: [] })
    assert.equal(bad.status, 400)
    assert.equal(errorCode(bad), 'INVALID_REQUEST')
    const issues = (bad.body.error as { issues: { path: string; message: string }[] }).issues
    assert.deepEqual(issues.map((issue) => issue.path).sort(), ['(body)', 'memoryMb', 'timeoutMs'])
    assert.match(JSON.stringify(issues), /mounts cannot be set by a request/)
    assert.match(JSON.stringify(issues), /milliseconds from 1 to/)
    const notJson = await post(server, null, { raw: '{"code": ' })
    assert.deepEqual([notJson.status, errorCode(notJson)], [400, 'INVALID_REQUEST'])
    const noCode = await post(server, { stdin: 'x' })
    assert.deepEqual([noCode.status, errorCode(noCode)], [400, 'INVALID_REQUEST'])
  })

  it("lowers a request's limits to the server's maximums", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const started = performance.now()
    const answer = await post(server, { code: 'while True: pass', timeoutMs: 60_000 })
    const result = answer.body as unknown as RunResult
    assert.equal(result.status, 'timeout')
    assert.ok(performance.now() - started < 20_000, 'ended at the server maximum (2 s), not 60 s')
  })

  it('refuses runs past the queue, and past the per-key cap, with 429 and Retry-After', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const slow = { code: 'import time\ntime.sleep(1.5)\n1', timeoutMs: 2_000 }
    // One running, one waiting: that key has its 2 runs in flight, the server its 1 + 1.
    const first = post(server, slow)
    await waitFor(async () => (await health(server)).running === 1)
    const second = post(server, slow)
    await waitFor(async () => (await health(server)).waiting === 1)
    const sameKey = await post(server, slow)
    assert.equal(sameKey.status, 429)
    assert.equal(errorCode(sameKey), 'BUSY')
    assert.match(String((sameKey.body.error as { message: string }).message), /this API key/)
    assert.equal(sameKey.headers.get('retry-after'), '1')
    const queueFull = await post(server, slow, { key: OTHER_KEY })
    assert.equal(queueFull.status, 429)
    assert.match(String((queueFull.body.error as { message: string }).message), /waiting/)
    // Those admitted are served, none lost.
    for (const answer of await Promise.all([first, second])) {
      assert.equal(answer.status, 200)
      assert.equal((answer.body as unknown as RunResult).value, 1)
    }
  })

  it('stops a run whose client disconnected', { timeout: TEST_TIMEOUT_MS }, async () => {
    const patient = await startServer({ port: 0, apiKeys: [KEY], limits: { timeoutMs: 30_000 } })
    try {
      const controller = new AbortController()
      const pending = post(
        patient,
        { code: 'print("started", flush=True)\nwhile True: pass', timeoutMs: 30_000 },
        { signal: controller.signal },
      ).catch((error: unknown) => error)
      await waitFor(async () => (await health(patient)).running === 1)
      // Well into the run (a sandbox starts in ~0.4 s here), the client goes.
      await new Promise((resolve) => setTimeout(resolve, 1_500))
      controller.abort()
      assert.ok((await pending) instanceof Error)
      // Left alone, the run would hold its slot until its time limit, 30 s.
      const started = performance.now()
      await waitFor(async () => (await health(patient)).running === 0)
      assert.ok(performance.now() - started < 5_000, 'the run stopped when its client left')
    } finally {
      await patient.close()
    }
  })
})

describe('pyward serve: sessions and streaming', { timeout: TEST_TIMEOUT_MS * 4 }, () => {
  let server: RunningServer

  before(async () => {
    server = await startServer({
      port: 0,
      apiKeys: [KEY, OTHER_KEY],
      maxConcurrency: 2,
      queue: 4,
      sessionIdleMs: 2_000,
    })
  })
  after(() => server.close())

  const call = async (method: string, path: string, body?: unknown, key = KEY) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      ...(body === undefined
        ? {}
        : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    })
    const text = await response.text()
    return { status: response.status, text, json: () => JSON.parse(text) as Answered }
  }

  it('keeps a session across requests: runs, calls, files, delete', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const created = await call('POST', '/v1/sessions', { timeoutMs: 5_000, env: { WHO: 'api' } })
    assert.equal(created.status, 201, created.text)
    const { id } = created.json()
    assert.match(id, /^[0-9a-f]{32}$/)
    assert.equal((await call('POST', `/v1/sessions/${id}/run`, { code: 'x = 41' })).status, 200)
    const next = (await call('POST', `/v1/sessions/${id}/run`, { code: 'x + 1' })).json()
    assert.equal(next.value, 42)
    await call('POST', `/v1/sessions/${id}/run`, { code: 'def add(a, b):\n    return a + b' })
    const added = (
      await call('POST', `/v1/sessions/${id}/call`, { name: 'add', args: [2, 3] })
    ).json()
    assert.equal(added.value, 5)
    const put = await call('PUT', `/v1/sessions/${id}/files/in/data.txt`, 'hello file')
    assert.equal(put.status, 204, put.text)
    const read = (
      await call('POST', `/v1/sessions/${id}/run`, {
        code: 'import os\nopen("out.txt", "w").write(open("in/data.txt").read().upper() + os.environ["WHO"])',
      })
    ).json()
    assert.equal(read.status, 'ok', read.error?.message)
    const got = await call('GET', `/v1/sessions/${id}/files/out.txt`)
    assert.deepEqual([got.status, got.text], [200, 'HELLO FILEapi'])
    const missing = await call('GET', `/v1/sessions/${id}/files/nothing.txt`)
    assert.equal(missing.status, 404)
    const outside = await call('PUT', `/v1/sessions/${id}/files/..%2F..%2Fetc%2Fescaped`, 'x')
    assert.equal(outside.status, 400, outside.text)
    // Another key is told the session does not exist.
    const stranger = await call('POST', `/v1/sessions/${id}/run`, { code: 'x' }, OTHER_KEY)
    assert.equal(stranger.status, 404)
    assert.equal((await call('DELETE', `/v1/sessions/${id}`)).status, 204)
    const gone = await call('POST', `/v1/sessions/${id}/run`, { code: 'x' })
    assert.deepEqual([gone.status, gone.json().error?.code], [404, 'NO_SESSION'])
  })

  it('closes a session idle past its time', { timeout: TEST_TIMEOUT_MS }, async () => {
    const { id } = (await call('POST', '/v1/sessions', {})).json()
    assert.equal(((await health(server)) as unknown as { sessions: number }).sessions, 1)
    await new Promise((resolve) => setTimeout(resolve, 2_500))
    const expired = await call('POST', `/v1/sessions/${id}/run`, { code: '1' })
    assert.equal(expired.status, 404)
    assert.equal(((await health(server)) as unknown as { sessions: number }).sessions, 0)
  })

  it('streams output as it is written, then the result (NDJSON and SSE)', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const code = 'import time\nprint("one", flush=True)\ntime.sleep(1)\nprint("two")\n6 * 7'
    const response = await fetch(`${server.url}/v1/run?stream=1`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ code }),
    })
    assert.equal(response.headers.get('content-type'), 'application/x-ndjson')
    const reader = (response.body as ReadableStream<Uint8Array>).getReader()
    const decoder = new TextDecoder()
    let text = ''
    let firstOutputAt = 0
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      text += decoder.decode(value, { stream: true })
      if (firstOutputAt === 0 && text.includes('"stdout"')) firstOutputAt = performance.now()
    }
    const finishedAt = performance.now()
    const events = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as StreamEvent)
    const output = events.filter((event) => event.type === 'stdout').map((event) => event.data)
    assert.equal(output.join(''), 'one\ntwo\n')
    const last = events.at(-1)
    assert.equal(last?.type, 'result')
    assert.deepEqual([last?.result?.status, last?.result?.value], ['ok', 42])
    assert.ok(finishedAt - firstOutputAt > 500, 'the first line came before the sleep ended')

    const sse = await fetch(`${server.url}/v1/run?stream=1`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${KEY}`,
        'content-type': 'application/json',
        accept: 'text/event-stream',
      },
      body: JSON.stringify({ code: 'print("hi")' }),
    })
    assert.equal(sse.headers.get('content-type'), 'text/event-stream')
    const body = await sse.text()
    assert.match(body, /^event: stdout\ndata: \{"type":"stdout","data":"hi\\n"\}\n\n/m)
    assert.match(body, /event: result\ndata: \{"type":"result","result":\{"status":"ok"/)
  })

  it('stops a streamed run whose client disconnected', { timeout: TEST_TIMEOUT_MS }, async () => {
    const controller = new AbortController()
    const response = await fetch(`${server.url}/v1/run?stream=1`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        code: 'print("running", flush=True)\nwhile True: pass',
        timeoutMs: 30_000,
      }),
      signal: controller.signal,
    })
    const reader = (response.body as ReadableStream<Uint8Array>).getReader()
    await reader.read() // the first output: the run is under way
    controller.abort()
    const started = performance.now()
    await waitFor(async () => (await health(server)).running === 0)
    assert.ok(performance.now() - started < 5_000, 'the run stopped when its client left')
  })
})

describe('pyward serve under abuse', { timeout: TEST_TIMEOUT_MS * 4 }, () => {
  it('gives a place back when the run ends, not when a stalled streaming client reads', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const server = await startServer({
      port: 0,
      maxConcurrency: 1,
      queue: 0,
      limits: { maxOutputBytes: 8 * 1024 * 1024 },
    })
    try {
      // 8 MiB of control characters, 48 MB once escaped in JSON: far more than the sockets
      // buffer, and this client reads none of it.
      const response = await fetch(`${server.url}/v1/run?stream=1`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          code: 'import sys\nsys.stdout.write("\\x01" * 8 * 1024 * 1024)\n1',
          maxOutputBytes: 8 * 1024 * 1024,
        }),
      })
      assert.equal(response.status, 200)
      await waitFor(async () => (await health(server)).running === 0, 30_000)
      const next = await post(server, { code: '2' }, { key: null })
      assert.equal((next.body as unknown as RunResult).value, 2, 'the next run got the place')
      await response.body?.cancel()
    } finally {
      await server.close()
    }
  })

  it('gives a waiting place back when its client leaves', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const server = await startServer({ port: 0, maxConcurrency: 1, queue: 1 })
    try {
      const running = post(
        server,
        { code: 'import time\ntime.sleep(3)', timeoutMs: 5_000 },
        {
          key: null,
        },
      )
      await waitFor(async () => (await health(server)).running === 1)
      const controller = new AbortController()
      const waiting = post(server, { code: '1' }, { key: null, signal: controller.signal }).catch(
        (error: unknown) => error,
      )
      await waitFor(async () => (await health(server)).waiting === 1)
      controller.abort()
      await waiting
      await waitFor(async () => (await health(server)).waiting === 0, 1_000)
      assert.equal((await health(server)).running, 1, 'the first run still runs')
      assert.equal((await running).status, 200)
    } finally {
      await server.close()
    }
  })

  it('holds sessions to their cap, however many are asked for at once', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const server = await startServer({ port: 0, maxConcurrency: 4, queue: 4, maxSessions: 1 })
    try {
      const asks = await Promise.all(
        [1, 2, 3].map(() =>
          fetch(`${server.url}/v1/sessions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{}',
          }),
        ),
      )
      assert.deepEqual(asks.map((answer) => answer.status).sort(), [201, 429, 429])
    } finally {
      await server.close()
    }
  })

  it('holds one key to its share of sessions, leaving the others theirs', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const server = await startServer({
      port: 0,
      apiKeys: [KEY, OTHER_KEY],
      maxSessions: 3,
      maxSessionsPerKey: 1,
    })
    try {
      const create = (key: string) =>
        fetch(`${server.url}/v1/sessions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: '{}',
        })
      assert.equal((await create(KEY)).status, 201)
      const second = await create(KEY)
      assert.equal(second.status, 429)
      assert.match(await second.text(), /the most one may have/)
      assert.equal((await create(OTHER_KEY)).status, 201, 'another key still gets its session')
    } finally {
      await server.close()
    }
  })

  it('refuses what a web page could send: non-JSON bodies, other hosts, native runs', async () => {
    const server = await startServer({ port: 0 })
    try {
      // A cross-site form or fetch may POST text/plain without asking the server first.
      const plain = await fetch(`${server.url}/v1/run`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify({ code: 'print(1)' }),
      })
      assert.equal(plain.status, 415)
      // A page that rebinds its own name to 127.0.0.1 sends its own name as Host.
      const rebound = await requestWithHost(server, 'attacker.example:8080')
      assert.equal(rebound, 403)
      assert.equal(await requestWithHost(server, `localhost:${server.port}`), 200)
      const native = await post(server, { code: '1', runtime: 'native' }, { key: null })
      assert.equal(native.status, 400)
      const message = (native.body.error as { message: string }).message
      assert.match(message, /"native" is not offered by this server/)
    } finally {
      await server.close()
    }
  })
})

/** GET /v1/health with the given Host header (fetch does not let a caller set it). */
function requestWithHost(server: RunningServer, host: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: '127.0.0.1', port: server.port, path: '/v1/health', headers: { host } },
      (response) => {
        response.resume()
        resolve(response.statusCode)
      },
    )
    request.on('error', reject)
    request.end()
  })
}

describe('the pyward serve command', () => {
  it('serves until SIGTERM, and refuses bad flags', { timeout: TEST_TIMEOUT_MS }, async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--session-ttl', '60'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.setEncoding('utf8').on('data', (text: string) => {
        stderr += text
        const match = /serving on (http:\/\/\S+)/.exec(stderr)
        if (match) resolve(match[1] as string)
      })
      child.once('exit', () => reject(new Error(`serve exited: ${stderr}`)))
    })
    const health = (await (await fetch(`${url}/v1/health`)).json()) as { ok: boolean }
    assert.equal(health.ok, true)
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    assert.equal(await exited, 0)
    const bad = await pyward(['serve', '--port', 'eighty', '--queue', '-1'])
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /--port: must be a whole number from 0 to 65535/)
    assert.match(bad.stderr, /--queue: must be a whole number/)
    const open = await pyward(['serve', '--host', '0.0.0.0', '--port', '0'])
    assert.equal(open.code, 2)
    assert.match(open.stderr, /without API keys/)
  })
})

describe('pyward serve without keys', () => {
  it('refuses to listen beyond loopback', async () => {
    await assert.rejects(startServer({ host: '0.0.0.0', port: 0 }), /without API keys/)
  })

  it('serves loopback clients without a key', { timeout: TEST_TIMEOUT_MS }, async () => {
    const server = await startServer({ port: 0 })
    try {
      const answer = await post(server, { code: 'print(sum(range(10)))' }, { key: null })
      assert.equal(answer.status, 200)
      assert.equal((answer.body as unknown as RunResult).stdout, '45\n')
    } finally {
      await server.close()
    }
  })
})

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error('the condition did not come true in time')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
