import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import type { TestContext } from 'node:test'
import {
  type IsolationLayer,
  type RunResult,
  Sandbox,
  type SandboxOptions,
} from '../../src/index.ts'

/** A sandbox closed when the test (or suite) ends. */
export async function openSandbox(
  t: Pick<TestContext, 'after'>,
  options: SandboxOptions = {},
): Promise<Sandbox> {
  const sandbox = await Sandbox.create(options)
  t.after(() => sandbox.close())
  return sandbox
}

/** The source of a Python fixture in test/fixtures/python. */
export function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/python/${name}`, import.meta.url), 'utf8')
}

/** Generous per-test cap: a cold sandbox start takes seconds on a busy 2-core machine. */
export const TEST_TIMEOUT_MS = 60_000

export type RuntimeName = RunResult['runtime']

/** Every runtime: the suites that pin result semantics run once for each. */
export const RUNTIMES: readonly RuntimeName[] = ['pyodide', 'native']

/**
 * The layers a result lists for each runtime on a host that has them all (see README, "What the
 * tests need"). Native has no WebAssembly boundary and no Node process, so no Node permissions.
 */
export const EXPECTED_LAYERS: Record<RuntimeName, IsolationLayer[]> = {
  pyodide: [
    'process',
    'namespaces',
    'seccomp',
    'cgroup',
    'rlimits',
    'node-permissions',
    'webassembly',
  ],
  native: ['process', 'namespaces', 'seccomp', 'cgroup', 'rlimits'],
}

const DEBIAN_PYTHON = '/usr/bin/python3'

/**
 * On a host run as root, a native sandbox refuses an interpreter that other users cannot read (it
 * would run as root): this machine's python3 is pyenv's under /root. The tests then run native
 * sandboxes with Debian's, which .ci/run installs, through the operator's setting, so that the CLI
 * subprocesses and the attack hosts get it too. An operator's own PYWARD_PYTHON is kept.
 */
if (process.getuid?.() === 0 && !process.env.PYWARD_PYTHON && existsSync(DEBIAN_PYTHON)) {
  process.env.PYWARD_PYTHON = DEBIAN_PYTHON
}

/**
 * The interpreter the native numpy tests run: Debian's /usr/bin/python3 when it imports numpy
 * (python3-numpy, which .ci/run installs), else undefined for the default, python3 on the PATH.
 */
export function numpyPython(): string | undefined {
  const probe = spawnSync(DEBIAN_PYTHON, ['-I', '-c', 'import numpy'], { stdio: 'ignore' })
  return probe.status === 0 ? DEBIAN_PYTHON : undefined
}
