// A cold Pyodide in a fresh Node process, with nothing of pyward around it: the floor that a
// cold one-shot is compared with. Run by bench/baselines.ts as `node bench/load-pyodide.mjs`.
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadPyodide } from '../node_modules/pyodide/pyodide.mjs'

const indexURL = `${dirname(fileURLToPath(import.meta.resolve('../node_modules/pyodide/pyodide.mjs')))}/`
const pyodide = await loadPyodide({ indexURL, env: {} })
if (pyodide.runPython('1+1') !== 2) process.exit(1)
// Pyodide leaves nothing that must finish; exit at once, as a one-shot would.
process.exit(0)
