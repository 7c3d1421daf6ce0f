/**
 * The browser playground of `pyward serve`, at `GET /`: an editor, stdin, limits and the
 * rendered RunResult, talking to `POST /v1/run` on the same origin. The page is one
 * self-contained document (see playground-page.ts): nothing is loaded from anywhere else.
 *
 * The page itself is public even when the server has API keys: it holds no secret, and every run
 * it starts goes through `/v1/run`, which asks for a key (the page has a field for it).
 *
 * @module
 */
import { createHash } from 'node:crypto'
import type { Env, Hono } from 'hono'
import { PLAYGROUND_STYLE, renderPlaygroundPage } from './playground-page.js'
import { PLAYGROUND_SCRIPT } from './playground-script.js'

const PAGE = renderPlaygroundPage()

function sha256Source(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`
}

/**
 * The page's Content-Security-Policy. Scripts and styles are allowed by the hash of the page's
 * own inline blocks, not by 'unsafe-inline': even if guest output ever reached the DOM as
 * markup, an injected `<script>`, event handler or style attribute would not run. Nothing may be
 * loaded from another origin, the page may not be framed (clickjacking), and no form may post
 * anywhere.
 */
export const PLAYGROUND_CSP = [
  "default-src 'self'",
  `script-src ${sha256Source(PLAYGROUND_SCRIPT)}`,
  `style-src ${sha256Source(PLAYGROUND_STYLE)}`,
  "img-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')

/**
 * Serves the playground at `GET /` (and an empty `/favicon.ico`, so that browsers do not log a
 * 404 for it) on the service's app. Routes under `/v1` are left alone.
 *
 * @example
 * const app = new Hono()
 * registerPlayground(app)
 */
export function registerPlayground<E extends Env>(app: Hono<E>): void {
  app.get('/', (c) => {
    c.header('Content-Security-Policy', PLAYGROUND_CSP)
    c.header('X-Content-Type-Options', 'nosniff')
    c.header('Referrer-Policy', 'no-referrer')
    c.header('Cache-Control', 'no-cache')
    return c.html(PAGE)
  })
  app.get('/favicon.ico', (c) => {
    c.header('Cache-Control', 'max-age=86400')
    return c.body(null, 204)
  })
}
