import { readFileSync } from 'node:fs'
import type { TestContext } from 'node:test'
import { Sandbox, type SandboxOptions } from '../../src/index.ts'

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
