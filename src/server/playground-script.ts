/**
 * The playground's browser script, as the text of an inline `<script>` (the CSP allows it by
 * hash). Plain ES2020 for any current browser, no modules, no dependencies.
 *
 * Security: everything the run sends back (stdout, stderr, repr, traceback, even the status) is
 * the guest's or the server's data, and reaches the page only as `textContent` or as a class chosen
 * from a fixed list. Nothing is ever parsed as HTML.
 *
 * The text is a `String.raw` template so that escapes such as `\n` reach the browser as written;
 * it must therefore hold no backtick and no dollar-brace.
 *
 * @module
 */
export const PLAYGROUND_SCRIPT = String.raw`
'use strict'
const $ = (id) => document.getElementById(id)
const code = $('code')
const result = $('result')
const STATUSES = ['ok', 'error', 'timeout', 'memory_limit', 'output_limit', 'crashed', 'killed']
const INDENT = '    '
let running = null

function setState(state) {
  result.dataset.state = state
  const busy = state === 'running'
  $('run').disabled = busy
  $('stop').disabled = !busy
  $('idle-note').hidden = state !== 'idle'
}

function showProblem(message) {
  $('outcome').hidden = true
  $('problem').textContent = message
  $('problem').hidden = false
  setState('failed')
}

function formatBytes(bytes) {
  if (typeof bytes !== 'number') return '?'
  if (bytes < 1024 * 1024) return (bytes / 1024).toFixed(1) + ' KiB'
  return (bytes / (1024 * 1024)).toFixed(1) + ' MiB'
}

function formatMs(ms) {
  return typeof ms === 'number' ? Math.round(ms * 10) / 10 + ' ms' : '?'
}

function showResult(run) {
  const status = $('status')
  status.textContent = String(run.status)
  status.className = 'badge status-' + (STATUSES.includes(run.status) ? run.status : 'unknown')
  $('exit-code').textContent = run.exitCode === null ? 'none (stopped)' : String(run.exitCode)
  $('result-runtime').textContent = String(run.runtime)
  $('stdout').textContent = run.stdout
  $('stderr').textContent = run.stderr
  $('stdout-truncated').hidden = !run.stdoutTruncated
  $('stderr-truncated').hidden = !run.stderrTruncated
  const hasValue = run.valueRepr !== null && run.valueRepr !== undefined
  $('value-block').hidden = !hasValue
  $('value-repr').textContent = hasValue ? run.valueRepr : ''
  $('value-json').textContent =
    run.value === null ? '(not JSON-representable, or None)' : JSON.stringify(run.value, null, 2)
  const error = run.error
  $('error-block').hidden = !error
  $('error-text').textContent = error
    ? (error.traceback ? error.traceback.replace(/\n?$/, '\n') : '') +
      error.type + ': ' + error.message
    : ''
  const usage = run.usage || {}
  $('usage-wall').textContent = formatMs(usage.wallMs)
  $('usage-cpu').textContent = formatMs(usage.cpuMs)
  $('usage-memory').textContent = formatBytes(usage.memoryPeakBytes)
  const layers = $('isolation')
  layers.replaceChildren()
  for (const layer of Array.isArray(run.isolation) ? run.isolation : []) {
    const item = document.createElement('li')
    item.textContent = String(layer)
    layers.append(item)
  }
  if (layers.childElementCount === 0) {
    const item = document.createElement('li')
    item.textContent = 'none'
    layers.append(item)
  }
  $('problem').hidden = true
  $('outcome').hidden = false
  setState('done')
}

async function describeHttpError(response) {
  let code = ''
  let message = response.statusText || 'the server refused the request'
  let issues = []
  try {
    const body = await response.json()
    if (body && body.error) {
      code = String(body.error.code || '')
      message = String(body.error.message || message)
      if (Array.isArray(body.error.issues)) issues = body.error.issues
    }
  } catch {
    // Not the service's JSON (a proxy's page, say): the status line says enough.
  }
  const lines = ['HTTP ' + response.status + (code ? ' ' + code : '') + ': ' + message]
  for (const issue of issues) lines.push('  ' + issue.path + ': ' + issue.message)
  if (response.status === 401) lines.push('Enter one of the server\'s API keys in "API key".')
  const retry = response.headers.get('retry-after')
  if (response.status === 429 && retry) lines.push('Try again in ' + retry + ' s.')
  return lines.join('\n')
}

/** The request body, or a message naming the field that is wrong. */
function buildRequest() {
  const body = { code: code.value, stdin: $('stdin').value }
  const timeout = $('timeout').value.trim()
  if (timeout !== '') {
    const seconds = Number(timeout)
    if (!(seconds > 0)) return 'Timeout: give a number of seconds above 0, or leave it empty.'
    body.timeoutMs = Math.max(1, Math.round(seconds * 1000))
  }
  const memory = $('memory').value.trim()
  if (memory !== '') {
    const mb = Number(memory)
    if (!Number.isInteger(mb)) return 'Memory: give a whole number of MB, or leave it empty.'
    body.memoryMb = mb
  }
  // Empty is the library's default (pyodide): a request that names nothing but the defaults can
  // be served by the server's warm pool.
  const runtime = $('runtime').value
  if (runtime !== '') body.runtime = runtime
  return body
}

async function runCode() {
  if (running) return
  const body = buildRequest()
  if (typeof body === 'string') {
    showProblem(body)
    return
  }
  const headers = { 'content-type': 'application/json' }
  const key = $('api-key').value.trim()
  if (key !== '') headers.authorization = 'Bearer ' + key
  running = new AbortController()
  setState('running')
  const started = performance.now()
  const tick = () => {
    $('elapsed').textContent = 'running… ' + ((performance.now() - started) / 1000).toFixed(1) + ' s'
  }
  tick()
  const timer = setInterval(tick, 100)
  try {
    const response = await fetch('v1/run', {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      signal: running.signal,
    })
    if (!response.ok) {
      showProblem(await describeHttpError(response))
      return
    }
    showResult(await response.json())
  } catch (error) {
    showProblem(
      error && error.name === 'AbortError'
        ? 'Stopped: the connection was closed, and the server stopped the run.'
        : 'Could not reach the server: ' + (error && error.message ? error.message : String(error)),
    )
  } finally {
    clearInterval(timer)
    $('elapsed').textContent = ''
    running = null
    if (result.dataset.state === 'running') setState('failed')
  }
}

/** Replaces a range of the editor, through the browser's editing so that undo still works. */
function replaceRange(start, end, text) {
  code.focus()
  code.setSelectionRange(start, end)
  if (!document.execCommand('insertText', false, text)) code.setRangeText(text, start, end, 'end')
}

/** Applies change to each line the selection touches, and selects the lines after. */
function editLines(change) {
  const text = code.value
  const start = text.lastIndexOf('\n', code.selectionStart - 1) + 1
  let end = code.selectionEnd
  if (end > start && text[end - 1] === '\n') end -= 1
  const lineEnd = text.indexOf('\n', end)
  const stop = lineEnd === -1 ? text.length : lineEnd
  const before = text.slice(start, stop)
  const after = before.split('\n').map(change).join('\n')
  if (after === before) return
  replaceRange(start, stop, after)
  code.setSelectionRange(start, start + after.length)
}

const indent = (line) => INDENT + line
const dedent = (line) => line.replace(/^ {1,4}|^\t/, '')

// Tab indents, as in any code editor; Esc first lets the next Tab leave the editor (keyboard users
// must not be trapped in it).
let tabLeaves = false
code.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') {
    tabLeaves = true
    return
  }
  const plain = !event.ctrlKey && !event.metaKey && !event.altKey
  if (event.key === 'Tab' && plain && !tabLeaves) {
    event.preventDefault()
    const selected = code.value.slice(code.selectionStart, code.selectionEnd)
    if (event.shiftKey) editLines(dedent)
    else if (selected.includes('\n')) editLines(indent)
    else {
      const column = code.selectionStart - code.value.lastIndexOf('\n', code.selectionStart - 1) - 1
      replaceRange(code.selectionStart, code.selectionEnd, ' '.repeat(4 - (column % 4)))
    }
  } else if (event.key === 'Enter' && plain && !event.shiftKey && !event.isComposing) {
    // Keep the line's indentation, one level more after a colon.
    event.preventDefault()
    const text = code.value
    const lineStart = text.lastIndexOf('\n', code.selectionStart - 1) + 1
    const line = text.slice(lineStart, code.selectionStart)
    const leading = /^[ \t]*/.exec(line)[0]
    const deeper = /:\s*(#.*)?$/.test(line) ? INDENT : ''
    replaceRange(code.selectionStart, code.selectionEnd, '\n' + leading + deeper)
  }
  if (event.key !== 'Escape') tabLeaves = false
})
code.addEventListener('blur', () => {
  tabLeaves = false
})

document.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
    event.preventDefault()
    runCode()
  }
})
$('run-form').addEventListener('submit', (event) => {
  event.preventDefault()
  runCode()
})
$('stop').addEventListener('click', () => {
  if (running) running.abort()
})

fetch('v1/health')
  .then((response) => (response.ok ? response.json() : null))
  .then((health) => {
    if (health && typeof health.version === 'string' && health.version !== 'unknown') {
      $('server-info').textContent =
        'Python runs in a sandbox on this server (pyward ' + health.version + ').'
    }
  })
  .catch(() => {})
`
