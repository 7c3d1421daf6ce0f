// Copies the non-TypeScript files the sandbox needs (its Python driver) next to the compiled code.
import { cpSync } from 'node:fs'

cpSync('src/runtimes/pyodide/guest/driver.py', 'dist/runtimes/pyodide/guest/driver.py')
