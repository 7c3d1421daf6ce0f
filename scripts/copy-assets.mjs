// Copies the non-TypeScript files the sandbox needs (the Python driver and the native runtime's entry) next to the compiled code.
import { cpSync } from 'node:fs'

for (const file of ['python/driver.py', 'native/guest/native_main.py']) {
  cpSync(`src/runtimes/${file}`, `dist/runtimes/${file}`)
}
