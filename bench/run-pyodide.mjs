// Python source from stdin, run in a plain Pyodide in this Node process, with nothing of pyward
// around it (no confinement, no interrupt clock, no output channel): what CPython compiled to
// WebAssembly costs by itself. Used by bench/cpu-suite.ts to tell the interpreter's share of a
// slowdown from pyward's. Python's stdout and stderr go to this process's, each write at once.
import { readFileSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadPyodide } from '../node_modules/pyodide/pyodide.mjs'

const indexURL = `${dirname(fileURLToPath(import.meta.resolve('../node_modules/pyodide/pyodide.mjs')))}/`
const pyodide = await loadPyodide({ indexURL, env: {} })
const writer = (fd) => ({
  write(bytes) {
    let offset = 0
    while (offset < bytes.byteLength) offset += writeSync(fd, bytes, offset)
    return bytes.byteLength
  },
})
pyodide.setStdout(writer(1))
pyodide.setStderr(writer(2))
pyodide.runPython(readFileSync(0, 'utf8'))
process.exit(0)
