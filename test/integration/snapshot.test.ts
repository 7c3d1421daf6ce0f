/**
 * Sandboxes start from a memory snapshot of a fresh interpreter. These tests build one in a cache
 * of their own (with a secret in the host's environment while it is built) and check that a
 * restored sandbox is a cold one in all but speed: the same results, its own random numbers,
 * nothing of the host's, and a cache the guest cannot change and the host does not trust blindly.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import {
  chmodSync,
  closeSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  writeSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { run, Sandbox } from '../../src/index.ts'
import { TEST_TIMEOUT_MS } from '../helpers/sandboxes.ts'

const SECRET = `pyward-secret-${process.pid}-${Date.now()}`
const cacheDir = mkdtempSync(join(tmpdir(), 'pyward-snapshot-test-'))
// Sandboxes on a root host run as users of their own, who must be able to read the snapshot.
chmodSync(cacheDir, 0o755)

/** Whether the interpreter came from the snapshot: it has the preloaded modules before any import. */
const STARTED_FROM_SNAPSHOT = `import sys; 'statistics' in sys.modules`

/** Exercises the standard library; the printed JSON must be the same cold and restored. */
const STDLIB_SCRIPT = `
import json, re, decimal, fractions, hashlib, datetime, statistics, collections, itertools, sys
import textwrap, base64, math, zlib, sqlite3, csv, io, string
out = {
  "version": sys.version,
  "json": json.dumps({"a": [1, 2.5, None, "é"]}, sort_keys=True),
  "re": re.findall(r"(\\w+)@(\\w+)", "a@b c@d"),
  "decimal": str(decimal.Decimal(1) / decimal.Decimal(7)),
  "fraction": str(fractions.Fraction(3, 9) + 1),
  "sha256": hashlib.sha256(b"pyward").hexdigest(),
  "date": datetime.date(2024, 2, 29).isoformat(),
  "mean": statistics.mean([1, 2, 3, 4]),
  "counter": collections.Counter("mississippi").most_common(2),
  "perms": len(list(itertools.permutations(range(5)))),
  "wrap": textwrap.wrap("the quick brown fox jumps", 10),
  "b64": base64.b64encode(b"\\x00\\xff").decode(),
  "pi": math.pi,
  "crc": zlib.crc32(b"abc"),
  "sqlite": sqlite3.connect(":memory:").execute("select 6 * 7").fetchone()[0],
  "csv": list(csv.reader(io.StringIO("a,b\\n1,2"))),
  "letters": string.ascii_letters,
  "path": sys.path,
  "recursion": sys.getrecursionlimit(),
  "cwd": __import__("os").getcwd(),
}
try:
    {}["missing"]
except KeyError as error:
    out["error"] = repr(error)
print(json.dumps(out, sort_keys=True))
`

/** The snapshot file the cache's record names. */
function snapshotFiles(): string[] {
  return readdirSync(cacheDir)
    .filter((name) => name.endsWith('.json'))
    .map((name) => JSON.parse(readFileSync(join(cacheDir, name), 'utf8')).sha256 as string)
    .map((sha256) => join(cacheDir, `${sha256}.snapshot`))
}

function sha256Of(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex')
}

/** The PYWARD_SNAPSHOT warnings the host process emitted while `action` ran. */
async function collectWarnings(action: () => Promise<void>): Promise<string> {
  const warnings: string[] = []
  const onWarning = (warning: Error & { code?: string }) => {
    if (warning.code === 'PYWARD_SNAPSHOT') warnings.push(warning.message)
  }
  process.on('warning', onWarning)
  try {
    await action()
    await new Promise((resolve) => setImmediate(resolve))
  } finally {
    process.off('warning', onWarning)
  }
  return warnings.join('\n')
}

async function startedFromSnapshot(): Promise<boolean> {
  const result = await run(STARTED_FROM_SNAPSHOT)
  assert.equal(result.status, 'ok', result.stderr)
  return result.value as boolean
}

describe('start from a memory snapshot', { timeout: TEST_TIMEOUT_MS * 4 }, () => {
  const saved = { cache: process.env.PYWARD_CACHE_DIR, secret: process.env.PYWARD_TEST_SECRET }

  before(async () => {
    process.env.PYWARD_CACHE_DIR = cacheDir
    process.env.PYWARD_TEST_SECRET = SECRET
    // The first sandbox builds the snapshot, with the secret in the host's environment.
    assert.equal(await startedFromSnapshot(), true)
    assert.equal(snapshotFiles().length, 1)
  })

  after(() => {
    for (const [name, value] of [
      ['PYWARD_CACHE_DIR', saved.cache],
      ['PYWARD_TEST_SECRET', saved.secret],
    ] as const) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  })

  it('computes what a cold sandbox computes', { timeout: TEST_TIMEOUT_MS }, async () => {
    const restored = await run(STDLIB_SCRIPT)
    process.env.PYWARD_SNAPSHOT = 'off'
    let cold: Awaited<ReturnType<typeof run>>
    try {
      assert.equal(await startedFromSnapshot(), false, 'PYWARD_SNAPSHOT=off starts cold')
      cold = await run(STDLIB_SCRIPT)
    } finally {
      delete process.env.PYWARD_SNAPSHOT
    }
    assert.equal(restored.status, 'ok', restored.stderr)
    assert.equal(cold.status, 'ok', cold.stderr)
    assert.deepEqual(JSON.parse(restored.stdout), JSON.parse(cold.stdout))
    // And a traceback names the user's file and line, as cold.
    const raised = await run('x = 1\nraise ValueError("boom")', { filename: 'job.py' })
    assert.equal(raised.status, 'error')
    assert.match(raised.error?.traceback ?? '', /File "job.py", line 2/)
  })

  it('gives each restored sandbox its own random numbers', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const code = 'import random\n[random.random(), random.getrandbits(64)]'
    const [first, second] = await Promise.all([run(code), run(code)])
    assert.equal(first?.status, 'ok', first?.stderr)
    assert.equal(second?.status, 'ok', second?.stderr)
    const [a, b] = [first?.value as unknown[], second?.value as unknown[]]
    assert.notEqual(a[0], b[0], 'random() repeats across sandboxes')
    assert.notEqual(a[1], b[1], 'getrandbits() repeats across sandboxes')
  })

  it('carries nothing of the host environment or paths', { timeout: TEST_TIMEOUT_MS }, async () => {
    const hostPaths = [process.cwd(), cacheDir, process.env.HOME ?? '/root']
    const code = `import os, sys, json
json.dumps({"environ": dict(os.environ), "executable": sys.executable, "argv": sys.orig_argv})`
    const bare = await run(code)
    assert.equal(bare.status, 'ok', bare.stderr)
    const seen = JSON.parse(bare.value as string)
    assert.deepEqual(seen.environ, {})
    const granted = await run('import os; dict(os.environ)', { env: { LANG: 'C.UTF-8' } })
    assert.deepEqual(granted.value, { LANG: 'C.UTF-8' })
    const text = JSON.stringify(seen)
    assert.ok(!text.includes(SECRET), 'the secret reached the sandbox')
    for (const path of hostPaths) assert.ok(!text.includes(path), `${path} reached the sandbox`)
    // Not in the snapshot's bytes either, used or freed.
    const bytes = readFileSync(snapshotFiles()[0] as string)
    assert.equal(bytes.indexOf(SECRET), -1, 'the secret is in the snapshot')
    assert.equal(bytes.indexOf(process.cwd()), -1, 'the host checkout path is in the snapshot')
  })

  it('holds nothing of the host when built unconfined either', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const own = mkdtempSync(join(tmpdir(), 'pyward-snapshot-none-'))
    chmodSync(own, 0o755)
    process.env.PYWARD_CACHE_DIR = own
    try {
      const result = await run(STARTED_FROM_SNAPSHOT, { isolation: 'none' })
      assert.equal(result.value, true, result.stderr)
    } finally {
      process.env.PYWARD_CACHE_DIR = cacheDir
    }
    const [record] = readdirSync(own).filter((name) => name.endsWith('.json'))
    const { sha256 } = JSON.parse(readFileSync(join(own, record as string), 'utf8'))
    const bytes = readFileSync(join(own, `${sha256}.snapshot`))
    assert.equal(bytes.indexOf(SECRET), -1, 'the secret is in the snapshot')
    assert.equal(bytes.indexOf(process.cwd()), -1, 'the host checkout path is in the snapshot')
  })

  it('cannot be changed by a guest', { timeout: TEST_TIMEOUT_MS }, async () => {
    const [file] = snapshotFiles() as [string]
    const before = { sha: sha256Of(file), mtime: statSync(file).mtimeMs }
    const attack = `
import js, pyodide_js
FS = pyodide_js.FS
tried = {}
def attempt(name, action):
    try:
        action(); tried[name] = "returned"
    except BaseException as error:
        tried[name] = type(error).__name__
def through_nodefs():
    FS.mkdirTree("/w")
    FS.mount(FS.filesystems.NODEFS, js.Object.fromEntries([["root", "/opt/pyward"]]), "/w")
    with open("/w/pyodide.snapshot", "r+b") as f:
        f.write(b"poisoned")
attempt("nodefs", through_nodefs)
attempt("open", lambda: open("/opt/pyward/pyodide.snapshot", "r+b").write(b"poisoned"))
tried`
    for (const isolation of ['strict', 'none'] as const) {
      const result = await run(attack, { isolation })
      assert.equal(result.status, 'ok', result.stderr)
    }
    assert.equal(sha256Of(file), before.sha)
    assert.equal(statSync(file).mtimeMs, before.mtime)
    assert.equal(await startedFromSnapshot(), true)
  })

  it('refuses a snapshot whose content changed, starts cold, then builds a new one', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    // Changed in place, same size and owner: only the sandbox's check of the bytes it read (against
    // the recorded SHA-256) can tell, and it must refuse them.
    const [file] = snapshotFiles() as [string]
    const descriptor = openSync(file, 'r+')
    writeSync(descriptor, Buffer.from('tampered'), 0, 8, 4096)
    closeSync(descriptor)
    const warnings = await collectWarnings(async () => {
      assert.equal(await startedFromSnapshot(), false, 'a changed snapshot was restored')
    })
    assert.match(warnings, /does not have the content the host recorded/)
    assert.equal(await startedFromSnapshot(), true)
    const [rebuilt] = snapshotFiles() as [string]
    assert.notEqual(rebuilt, file)
    assert.equal(sha256Of(rebuilt), basename(rebuilt, '.snapshot'))
  })

  it('does not use a cache below a directory others can write', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const open = mkdtempSync(join(tmpdir(), 'pyward-open-'))
    chmodSync(open, 0o777)
    const inside = join(open, 'cache')
    process.env.PYWARD_CACHE_DIR = inside
    try {
      const warnings = await collectWarnings(async () => {
        assert.equal(await startedFromSnapshot(), false)
      })
      assert.match(warnings, /above the cache, is writable by others/)
    } finally {
      process.env.PYWARD_CACHE_DIR = cacheDir
    }
  })

  it('starts cold, with a warning, from a cache others can write', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    chmodSync(cacheDir, 0o777)
    try {
      const warnings = await collectWarnings(async () => {
        assert.equal(await startedFromSnapshot(), false)
      })
      assert.match(warnings, /writable by others/)
    } finally {
      chmodSync(cacheDir, 0o755)
    }
    assert.equal(await startedFromSnapshot(), true)
  })

  it('keeps a restored sandbox usable across runs, like a cold one', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    await using sandbox = await Sandbox.create()
    await sandbox.run('import statistics\ndata = [1, 2, 3]')
    const result = await sandbox.run('statistics.mean(data)')
    assert.equal(result.value, 2)
  })
})
