/**
 * The native runtime's own files on the host, which its sandboxes read (bound read-only) and must
 * not change, not even a timestamp or a mode: the interpreter, modules of its standard library
 * and pyward's guest files; and the host's device nodes, which every sandbox binds. The counterpart of host-watch.ts's check of Pyodide's files.
 */
import assert from 'node:assert/strict'
import { statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { findPythonLayout } from '../../src/runtimes/native/python-layout.ts'

const DEVICES = ['/dev/null', '/dev/zero', '/dev/full', '/dev/random', '/dev/urandom']

export interface NativeFilesWatch {
  files: readonly string[]
  assertUnchanged(): void
}

/** Watches the files of the default interpreter (python3 on the PATH) and of pyward's guest. */
export async function watchNativeFiles(): Promise<NativeFilesWatch> {
  // A host without python3 runs no native sandbox: pyward's guest files are all there is to watch.
  const layout = await findPythonLayout(null).catch(() => null)
  const dist = (path: string) =>
    fileURLToPath(new URL(`../../dist/runtimes/${path}`, import.meta.url))
  const files = [
    ...(layout === null
      ? []
      : [layout.executable, `${layout.stdlib}/os.py`, `${layout.stdlib}/shutil.py`]),
    dist('native/guest/native_main.py'),
    dist('python/driver.py'),
  ]
  const stamp = () => [
    ...files.map((path) => {
      const stat = statSync(path)
      return `${path} mode ${stat.mode.toString(8)} mtime ${stat.mtimeMs} ctime ${stat.ctimeMs}`
    }),
    // The host's device nodes, which a sandbox binds (their times move with the host's own use).
    ...DEVICES.map((path) => {
      const stat = statSync(path)
      return `${path} mode ${stat.mode.toString(8)} owner ${stat.uid}:${stat.gid}`
    }),
  ]
  const before = stamp()
  return {
    files,
    assertUnchanged() {
      assert.deepEqual(stamp(), before, "a native runtime file's mode or timestamps changed")
    },
  }
}
