/**
 * A way for the sandbox's own code to run a full garbage collection, without giving the guest's
 * realm one: V8 puts `gc` on the global of contexts created after --expose-gc is set, so it is set
 * at run time and the function taken from a fresh context; the main realm never gets a `gc`.
 *
 * @module
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

export function garbageCollector(): () => void {
  setFlagsFromString('--expose-gc')
  return runInNewContext('gc') as () => void
}
