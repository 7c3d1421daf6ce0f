/**
 * The playground's page: one HTML document with its stylesheet and script inline, so that it is
 * served from the package as it is, with no build step, no CDN and no font or asset to fetch. The
 * server's Content-Security-Policy allows exactly these two inline blocks, by hash.
 *
 * @module
 */
import { PLAYGROUND_SCRIPT } from './playground-script.js'

/** The page's stylesheet: system fonts only, light and dark. */
export const PLAYGROUND_STYLE = `
:root { color-scheme: light dark; --fg: #1b1f24; --muted: #5b636d; --bg: #fafbfc; --panel: #fff;
  --line: #d5dae0; --accent: #2457c5; --ok: #1a7f37; --bad: #c0262d; --warn: #9a6700; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6e9ed; --muted: #9aa4af; --bg: #15181c; --panel: #1d2127; --line: #363c45;
    --accent: #7aa7ff; --ok: #4ac26b; --bad: #ff7b72; --warn: #d29922; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header { display: flex; align-items: baseline; gap: 1rem; padding: .75rem 1.25rem;
  border-bottom: 1px solid var(--line); }
header h1 { margin: 0; font-size: 1.15rem; }
header p { margin: 0; color: var(--muted); font-size: .9rem; }
main { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 1.25rem;
  padding: 1.25rem; }
@media (max-width: 900px) { main { grid-template-columns: minmax(0, 1fr); } }
section, form { min-width: 0; }
h2 { margin: 0 0 .5rem; font-size: 1rem; }
h3 { margin: 1rem 0 .3rem; font-size: .85rem; color: var(--muted); font-weight: 600;
  text-transform: uppercase; letter-spacing: .04em; }
label { display: block; font-size: .85rem; color: var(--muted); margin: .6rem 0 .2rem; }
textarea, input, select, pre { font: 14px/1.4 ui-monospace, "SFMono-Regular", Menlo, Consolas,
  "Liberation Mono", monospace; color: var(--fg); background: var(--panel);
  border: 1px solid var(--line); border-radius: 6px; }
textarea { width: 100%; padding: .6rem; resize: vertical; tab-size: 4; }
#code { min-height: 18rem; }
#stdin { min-height: 4rem; }
input, select { padding: .35rem .5rem; width: 100%; }
.limits { display: grid; grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr)); gap: 0 .75rem; }
.actions { display: flex; align-items: center; gap: .75rem; margin-top: 1rem; }
button { font: inherit; padding: .45rem 1.1rem; border-radius: 6px; border: 1px solid var(--line);
  background: var(--panel); color: var(--fg); cursor: pointer; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button:disabled { opacity: .5; cursor: default; }
.hint { color: var(--muted); font-size: .8rem; }
kbd { font: .8rem ui-monospace, monospace; border: 1px solid var(--line); border-radius: 4px;
  padding: 0 .25rem; }
pre { margin: 0; padding: .6rem; white-space: pre-wrap; overflow-wrap: anywhere; max-height: 24rem;
  overflow: auto; }
pre:empty::before { content: "(empty)"; color: var(--muted); }
.badge { display: inline-block; padding: .1rem .6rem; border-radius: 999px; font-weight: 600;
  font-size: .85rem; color: #fff; background: var(--muted); }
.badge.status-ok { background: var(--ok); }
.badge.status-error, .badge.status-crashed { background: var(--bad); }
.badge.status-timeout, .badge.status-memory_limit, .badge.status-output_limit,
.badge.status-killed { background: var(--warn); }
.summary { display: flex; flex-wrap: wrap; align-items: center; gap: .75rem; }
.truncated { color: var(--warn); font-size: .8rem; font-weight: 400; text-transform: none; }
.problem { border: 1px solid var(--bad); color: var(--bad); border-radius: 6px; padding: .6rem;
  white-space: pre-wrap; overflow-wrap: anywhere; }
#error-text { border-color: var(--bad); }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: 0; }
dt { color: var(--muted); }
dd { margin: 0; font-variant-numeric: tabular-nums; }
ul.layers { display: flex; flex-wrap: wrap; gap: .35rem; list-style: none; margin: 0; padding: 0; }
ul.layers li { border: 1px solid var(--line); border-radius: 999px; padding: 0 .55rem;
  font-size: .85rem; }
[hidden] { display: none !important; }
`

/** An example to start from: it reads stdin, prints, and ends in a value. */
const EXAMPLE_CODE = `import sys

name = input()
print(f"hello, {name}")
print("a note on stderr", file=sys.stderr)
sum(range(10))
`

/** The whole document. The script and style are exactly the constants the CSP hashes. */
export function renderPlaygroundPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pyward playground</title>
<style>${PLAYGROUND_STYLE}</style>
</head>
<body>
<header>
  <h1>pyward playground</h1>
  <p id="server-info">Python runs in a sandbox on this server.</p>
</header>
<main>
<form id="run-form" autocomplete="off" novalidate>
  <label for="code">Code</label>
  <textarea id="code" spellcheck="false" autocapitalize="off" aria-describedby="code-hint">${escapeHtml(EXAMPLE_CODE)}</textarea>
  <p class="hint" id="code-hint"><kbd>Ctrl</kbd>/<kbd>⌘</kbd>+<kbd>Enter</kbd> runs.
    <kbd>Tab</kbd> indents; <kbd>Esc</kbd> then <kbd>Tab</kbd> leaves the editor.</p>
  <label for="stdin">stdin</label>
  <textarea id="stdin" spellcheck="false">world</textarea>
  <div class="limits">
    <div><label for="timeout">Timeout (s)</label>
      <input id="timeout" type="number" min="0.001" step="any" placeholder="server default"></div>
    <div><label for="memory">Memory (MB)</label>
      <input id="memory" type="number" min="64" max="4095" step="1" placeholder="server default"></div>
    <div><label for="runtime">Runtime</label>
      <select id="runtime"><option value="">pyodide</option><option value="native">native</option></select></div>
    <div><label for="api-key">API key</label>
      <input id="api-key" type="password" placeholder="if the server asks" autocomplete="off"></div>
  </div>
  <p class="hint">The server lowers limits above its own maximums.</p>
  <div class="actions">
    <button type="submit" id="run" class="primary">Run</button>
    <button type="button" id="stop" disabled>Stop</button>
    <span class="hint" id="elapsed" aria-live="polite"></span>
  </div>
</form>
<section id="result" data-state="idle" aria-live="polite">
  <h2>Result</h2>
  <p class="hint" id="idle-note">Run some code to see its result here.</p>
  <div id="problem" class="problem" role="alert" hidden></div>
  <div id="outcome" hidden>
    <div class="summary">
      <span id="status" class="badge"></span>
      <span>exit code <strong id="exit-code"></strong></span>
      <span>runtime <strong id="result-runtime"></strong></span>
    </div>
    <h3>stdout <span id="stdout-truncated" class="truncated" hidden>(truncated)</span></h3>
    <pre id="stdout"></pre>
    <h3>stderr <span id="stderr-truncated" class="truncated" hidden>(truncated)</span></h3>
    <pre id="stderr"></pre>
    <div id="value-block" hidden>
      <h3>Value (repr)</h3>
      <pre id="value-repr"></pre>
      <h3>Value (JSON)</h3>
      <pre id="value-json"></pre>
    </div>
    <div id="error-block" hidden>
      <h3>Error</h3>
      <pre id="error-text"></pre>
    </div>
    <h3>Usage</h3>
    <dl>
      <dt>wall</dt><dd id="usage-wall"></dd>
      <dt>CPU</dt><dd id="usage-cpu"></dd>
      <dt>memory peak</dt><dd id="usage-memory"></dd>
    </dl>
    <h3>Isolation layers</h3>
    <ul id="isolation" class="layers"></ul>
  </div>
</section>
</main>
<script>${PLAYGROUND_SCRIPT}</script>
</body>
</html>
`
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}
