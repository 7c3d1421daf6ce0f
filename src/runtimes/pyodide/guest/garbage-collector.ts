/**
 * A way for the sandbox's own code to run a full garbage collection (before `hello`, when no guest
 * code has run), without giving the guest's realm one: V8 puts `gc` on the global of contexts created after --expose-gc is set, so it is set
 * at run time and the function taken from a fresh context; the main realm never gets a `gc`.
 *
 * @module
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

export function collectGarbage(): void {
  setFlagsFromString('--expose-gc')
  ;(runInNewContext('gc') as () => void)()
}
