/**
 * A fresh sandbox for one measure, started as a pool starts its sandboxes (its interpreter warmed
 * up: see driver.py's warm_up), and replaced if the host killed it before the measure could use
 * it. Each loss is kept, with its reason, so the bench reports it instead of hiding it.
 */
import { START } from '../src/api/sandbox.js'
import { Sandbox, SandboxError, type SandboxOptions } from '../src/index.js'

export async function withFreshSandbox<T>(
  options: SandboxOptions,
  use: (sandbox: Sandbox) => Promise<T>,
  attempts = 3,
): Promise<{ value: T; lost: string[] }> {
  const lost: string[] = []
  for (;;) {
    const sandbox = await Sandbox[START](options, { warmUp: true })
    try {
      return { value: await use(sandbox), lost }
    } catch (error) {
      const killedFirst = error instanceof SandboxError && error.code === 'SANDBOX_CLOSED'
      if (!killedFirst || lost.length + 1 >= attempts) throw error
      lost.push(sandbox.closedReason ?? error.message)
    } finally {
      await sandbox.close()
    }
  }
}
