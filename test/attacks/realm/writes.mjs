// With the realm taken: writes everywhere it can name: the root, the runtime's files, the bound
// directories, and /tmp (1 MiB, and no file may grow at all: RLIMIT_FSIZE is 0). The host judges by
// its files.
import {
  appendFileSync,
  chmodSync,
  closeSync,
  mkdirSync,
  openSync,
  renameSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { attempt, params, report } from './_attempt.mjs'

const { victimSandboxPath } = params
const pyodideFile = '/opt/pyodide/package.json'

// Without a handler SIGXFSZ would end the process at the first byte past RLIMIT_FSIZE; with one,
// the write fails with EFBIG and the program goes on to report.
process.on('SIGXFSZ', () => {})

function fillTmp() {
  const fd = openSync('/tmp/x', 'w')
  const chunk = Buffer.alloc(64 * 1024, 1)
  let written = 0
  try {
    while (written < 8 << 20) written += writeSync(fd, chunk)
    return { written }
  } catch (error) {
    error.message += ` (after ${written} bytes)`
    throw error
  } finally {
    closeSync(fd)
  }
}

await attempt('write /tmp 8 MiB', fillTmp)
await attempt('writeFileSync /tmp', () => writeFileSync('/tmp/y', Buffer.alloc(8 << 20)))
await attempt('write /', () => writeFileSync('/escaped', 'x'))
await attempt('mkdir /', () => mkdirSync('/escaped-dir'))
await attempt('overwrite pyodide', () => writeFileSync(pyodideFile, '{}'))
await attempt('append pyodide', () => appendFileSync(pyodideFile, ' '))
await attempt('utimes pyodide', () => utimesSync(pyodideFile, 0, 0))
await attempt('chmod pyodide', () => chmodSync(pyodideFile, 0o777))
await attempt('new file in pyodide', () => writeFileSync('/opt/pyodide/escaped', 'x'))
await attempt('overwrite victim', () => writeFileSync(victimSandboxPath, 'changed'))
await attempt('utimes victim', () => utimesSync(victimSandboxPath, 0, 0))
await attempt('unlink victim', () => unlinkSync(victimSandboxPath))
await attempt('rename victim', () => renameSync(victimSandboxPath, `${victimSandboxPath}.moved`))
await attempt('new file in the attack dir', () => writeFileSync('/attack/escaped', 'x'))
await attempt('overwrite this program', () => appendFileSync('/attack/writes.mjs', '\n'))
report()
