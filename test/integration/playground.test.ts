/**
 * The playground as a person meets it: a real server on 127.0.0.1:0, real sandboxes, and Debian's
 * chromium driven by playwright-core. Every run is judged by what the page shows; that guest
 * output stays text is judged in the page's DOM. A screenshot of a finished run is kept in
 * test-artifacts/playground.png.
 */
import assert from 'node:assert/strict'
import { existsSync, mkdirSync } from 'node:fs'
import { after, before, describe, it, type TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'
import { type Browser, chromium, type Page } from 'playwright-core'
import { type RunningServer, startServer } from '../../src/server/start-server.ts'
import { TEST_TIMEOUT_MS } from '../helpers/sandboxes.ts'

const CHROMIUM = '/usr/bin/chromium'
const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url)
const KEY = 'playground-key-0123456789abcdef'
/** The longest any one browser wait may take: a cold sandbox start is seconds on a busy host. */
const WAIT_MS = 45_000

const noChromium = existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) to run the browser tests`

/** A page, with what went wrong in it: uncaught errors, dialogs, CSP violations, console errors. */
interface OpenPage {
  page: Page
  problems: string[]
}

// Runs before the page's own script: a CSP violation would otherwise show only in the console.
const WATCH_CSP = `document.addEventListener('securitypolicyviolation', (event) => {
  console.error('CSP violation: ' + event.violatedDirective + ' ' + event.blockedURI)
})`

async function openPlayground(
  t: Pick<TestContext, 'after'>,
  browser: Browser,
  url: string,
): Promise<OpenPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } })
  t.after(() => context.close())
  const page = await context.newPage()
  page.setDefaultTimeout(WAIT_MS)
  const problems: string[] = []
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`)
  })
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.message()}`)
    void dialog.dismiss()
  })
  await page.addInitScript({ content: WATCH_CSP })
  const response = await page.goto(url, { timeout: WAIT_MS })
  assert.equal(response?.status(), 200)
  return { page, problems }
}

/** Replaces the editor's text by typing it, as a person would. */
async function typeCode(page: Page, code: string): Promise<void> {
  const editor = page.locator('#code')
  await editor.fill('')
  await editor.pressSequentially(code)
}

/** Waits until the run the page started has ended, and answers how: 'done' or 'failed'. */
async function runEnded(page: Page): Promise<string> {
  const ended = page.locator('#result[data-state="done"], #result[data-state="failed"]')
  await ended.waitFor({ timeout: WAIT_MS })
  return (await ended.getAttribute('data-state')) ?? ''
}

const text = async (page: Page, selector: string) =>
  (await page.locator(selector).textContent()) ?? ''

describe('the playground page is served', () => {
  let server: RunningServer

  before(async () => {
    server = await startServer({ port: 0, apiKeys: [KEY] })
  })
  after(() => server?.close())

  it('serves GET / without a key, with a CSP that allows no other origin and no unhashed inline code', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const response = await fetch(`${server.url}/`)
    assert.equal(response.status, 200)
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/)
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff')
    const csp = response.headers.get('content-security-policy') ?? ''
    assert.match(csp, /default-src 'self'/)
    assert.match(csp, /script-src 'sha256-[A-Za-z0-9+/]+=*'(;|$)/)
    assert.match(csp, /style-src 'sha256-[A-Za-z0-9+/]+=*'(;|$)/)
    assert.match(csp, /frame-ancestors 'none'/)
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/)
    const page = await response.text()
    assert.doesNotMatch(page, /(src|href)=["']?(https?:)?\/\//, 'nothing is loaded from elsewhere')
    const api = await fetch(`${server.url}/v1/health`)
    assert.equal(api.status, 200, 'the API is still there')
  })
})

describe('the playground in a browser', { skip: noChromium, timeout: TEST_TIMEOUT_MS * 8 }, () => {
  let server: RunningServer
  let keyed: RunningServer
  let browser: Browser

  before(async () => {
    server = await startServer({ port: 0 })
    keyed = await startServer({ port: 0, apiKeys: [KEY] })
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--headless'],
      timeout: WAIT_MS,
    })
  })
  after(async () => {
    await browser?.close()
    await server?.close()
    await keyed?.close()
  })

  it('runs print(sum(range(10))) and shows 45 on stdout', {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const { page, problems } = await openPlayground(t, browser, server.url)
    await typeCode(page, 'print(sum(range(10)))')
    await page.locator('#run').click()
    assert.equal(await runEnded(page), 'done', await text(page, '#problem'))
    assert.equal(await text(page, '#stdout'), '45\n')
    assert.equal(await text(page, '#status'), 'ok')
    assert.equal(await text(page, '#exit-code'), '0')
    assert.equal(await text(page, '#result-runtime'), 'pyodide')
    assert.match(await text(page, '#usage-wall'), /^\d+(\.\d)? ms$/)
    assert.ok((await page.locator('#isolation li').count()) > 0, 'the isolation layers are listed')
    mkdirSync(ARTIFACTS, { recursive: true })
    await page.screenshot({
      path: fileURLToPath(new URL('playground.png', ARTIFACTS)),
      fullPage: true,
      timeout: WAIT_MS,
    })
    assert.deepEqual(problems, [])
  })

  it('shows guest output that looks like HTML as text, creating no element', {
    timeout: TEST_TIMEOUT_MS * 2,
  }, async (t) => {
    const { page, problems } = await openPlayground(t, browser, server.url)
    const injected = '#result img, #result script, #result svg, #result b, #result iframe'
    await page
      .locator('#code')
      .fill(
        [
          'import sys',
          'print("<img src=x onerror=alert(1)>")',
          'print("<script>alert(2)</script>", file=sys.stderr)',
          '"<b onclick=alert(3)>bold</b>"',
        ].join('\n'),
      )
    await page.locator('#run').click()
    assert.equal(await runEnded(page), 'done', await text(page, '#problem'))
    assert.equal(await text(page, '#stdout'), '<img src=x onerror=alert(1)>\n')
    assert.equal(await text(page, '#stderr'), '<script>alert(2)</script>\n')
    assert.equal(await text(page, '#value-repr'), "'<b onclick=alert(3)>bold</b>'")
    assert.equal(await text(page, '#value-json'), '"<b onclick=alert(3)>bold</b>"')
    assert.equal(await page.locator(injected).count(), 0)

    await page.locator('#code').fill('raise ValueError("<svg onload=alert(4)>")')
    await page.locator('#run').click()
    assert.equal(await runEnded(page), 'done', await text(page, '#problem'))
    assert.equal(await text(page, '#status'), 'error')
    assert.match(await text(page, '#error-text'), /ValueError: <svg onload=alert\(4\)>$/)
    assert.equal(await page.locator(injected).count(), 0)
    assert.deepEqual(problems, [], 'no script of the guest ran')
  })

  it('indents with Tab and Enter, and runs on Ctrl+Enter', {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const { page, problems } = await openPlayground(t, browser, server.url)
    const editor = page.locator('#code')
    await typeCode(page, 'def f():')
    await editor.press('Enter')
    await editor.pressSequentially('return 6 * 7')
    await editor.press('Enter')
    await editor.press('Shift+Tab')
    await editor.pressSequentially('f()')
    assert.equal(await editor.inputValue(), 'def f():\n    return 6 * 7\nf()')
    await editor.press('ControlOrMeta+a')
    await editor.press('Tab')
    assert.equal(await editor.inputValue(), '    def f():\n        return 6 * 7\n    f()')
    await editor.press('Shift+Tab')
    assert.equal(await editor.inputValue(), 'def f():\n    return 6 * 7\nf()')
    await editor.press('Escape')
    await editor.press('Tab')
    assert.equal(await editor.inputValue(), 'def f():\n    return 6 * 7\nf()', 'Esc, Tab leaves')
    assert.equal(await page.evaluate('document.activeElement.id'), 'stdin')

    await page.keyboard.press('ControlOrMeta+Enter')
    assert.equal(await runEnded(page), 'done', await text(page, '#problem'))
    assert.equal(await text(page, '#value-repr'), '42')
    assert.deepEqual(problems, [])
  })

  it('sends the limits it is given, and shows a timeout as a result', {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const { page, problems } = await openPlayground(t, browser, server.url)
    await page.locator('#timeout').fill('-1')
    await page.locator('#run').click()
    assert.equal(await runEnded(page), 'failed')
    assert.match(await text(page, '#problem'), /^Timeout: /)

    await page.locator('#code').fill('while True:\n    pass')
    await page.locator('#stdin').fill('')
    await page.locator('#timeout').fill('1')
    await page.locator('#memory').fill('128')
    const sent = page.waitForRequest('**/v1/run', { timeout: WAIT_MS })
    await page.locator('#run').click()
    assert.deepEqual((await sent).postDataJSON(), {
      code: 'while True:\n    pass',
      stdin: '',
      timeoutMs: 1000,
      memoryMb: 128,
    })
    assert.equal(await runEnded(page), 'done', await text(page, '#problem'))
    assert.equal(await text(page, '#status'), 'timeout')
    assert.equal(await text(page, '#exit-code'), 'none (stopped)')
    assert.deepEqual(problems, [])
  })

  it('stops a run when Stop is pressed', { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const { page, problems } = await openPlayground(t, browser, server.url)
    await page.locator('#code').fill('while True:\n    pass')
    const sent = page.waitForRequest('**/v1/run', { timeout: WAIT_MS })
    await page.locator('#run').click()
    await sent
    await page.locator('#stop').click()
    assert.equal(await runEnded(page), 'failed')
    assert.match(await text(page, '#problem'), /^Stopped: /)
    assert.ok(await page.locator('#run').isEnabled(), 'the page can run again')
    // The server learns of the closed connection on its own time: ask it, for a bounded while.
    const deadline = Date.now() + WAIT_MS
    let running = -1
    while (running !== 0 && Date.now() < deadline) {
      const health = (await (await fetch(`${server.url}/v1/health`)).json()) as { running: number }
      running = health.running
      if (running !== 0) await new Promise((resolve) => setTimeout(resolve, 100))
    }
    assert.equal(running, 0, 'the server stopped the run')
    assert.deepEqual(problems, [])
  })

  it('shows an HTTP error plainly, and sends the API key it is given', {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const { page, problems } = await openPlayground(t, browser, keyed.url)
    await typeCode(page, 'print("keyed")')
    await page.locator('#run').click()
    assert.equal(await runEnded(page), 'failed')
    assert.match(await text(page, '#problem'), /^HTTP 401 UNAUTHORIZED: send an API key/)
    assert.ok(await page.locator('#outcome').isHidden(), 'no stale result is shown')

    await page.locator('#api-key').fill(KEY)
    await page.locator('#run').click()
    assert.equal(await runEnded(page), 'done', await text(page, '#problem'))
    assert.equal(await text(page, '#stdout'), 'keyed\n')
    assert.ok(await page.locator('#problem').isHidden())
    // The browser logs the 401 itself; nothing else may have gone wrong.
    assert.deepEqual(
      problems.filter((problem) => !/status of 401/.test(problem)),
      [],
    )
  })
})
