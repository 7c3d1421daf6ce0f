/**
 * Compiles {@link SECCOMP_POLICY} to a classic-BPF seccomp program for one architecture, in
 * TypeScript: no C compiler or libseccomp is needed at install or run time.
 *
 * Layout (a linear scan; every path ends in a `ret`):
 * ```
 *   A = arch;  if A != native: ret KILL_PROCESS
 *   A = nr;    (x86_64) if A >= 0x40000000 (x32 ABI): ret KILL_PROCESS
 *   for each argument rule:  if A != nr(rule): skip the block
 *                            block: load args, test, ret action (A is clobbered, never reused)
 *   for each allowed call:   if A == nr: ret ALLOW
 *   ret default
 * ```
 *
 * @module
 */

import {
  AUDIT_ARCH_AARCH64,
  AUDIT_ARCH_X86_64,
  andK,
  argLowOffset,
  BPF_MAX_INSTRUCTIONS,
  BPF_MAX_JUMP,
  type BpfInstruction,
  jumpIfAnyBit,
  jumpIfEqual,
  jumpIfGreaterOrEqual,
  loadWord,
  ret,
  SECCOMP_DATA_ARCH,
  SECCOMP_DATA_NR,
  SECCOMP_RET_ALLOW,
  SECCOMP_RET_KILL_PROCESS,
  seccompErrno,
  serializeBpf,
  X32_SYSCALL_BIT,
} from './bpf.js'
import {
  type ArgCondition,
  type ArgumentRule,
  SECCOMP_POLICY,
  type SeccompAction,
  type SeccompPolicy,
} from './policy.js'
import { SYSCALL_NUMBERS } from './syscall-numbers.js'

/** The architectures pyward builds a filter for. */
export type SeccompArch = 'x86_64' | 'aarch64'

const AUDIT_ARCH: Record<SeccompArch, number> = {
  x86_64: AUDIT_ARCH_X86_64,
  aarch64: AUDIT_ARCH_AARCH64,
}

/**
 * The seccomp architecture for a Node `process.arch`, or null where pyward has no filter.
 *
 * @example seccompArchFor(process.arch) // 'x86_64' on an Intel/AMD host
 */
export function seccompArchFor(nodeArch: string): SeccompArch | null {
  if (nodeArch === 'x64') return 'x86_64'
  if (nodeArch === 'arm64') return 'aarch64'
  return null
}

/** A syscall's number on `arch`, or undefined when the architecture does not have it. */
export function syscallNumber(arch: SeccompArch, name: string): number | undefined {
  return SYSCALL_NUMBERS[arch][name]
}

/** The bytes for `bwrap --seccomp FD`. Throws if the policy is inconsistent. */
export function compileSeccompProgram(
  arch: SeccompArch,
  policy: SeccompPolicy = SECCOMP_POLICY,
): Buffer {
  return serializeBpf(buildSeccompInstructions(arch, policy))
}

// A jump target: 0 falls through to the next instruction, a string names a label.
type Target = 0 | string
type Item =
  | { readonly label: string }
  | {
      readonly jt: Target
      readonly jf: Target
      readonly make: (jt: number, jf: number) => BpfInstruction
    }

const plain = (insn: BpfInstruction): Item => ({ jt: 0, jf: 0, make: () => insn })

/** The program as instructions (what {@link compileSeccompProgram} serialises). */
export function buildSeccompInstructions(
  arch: SeccompArch,
  policy: SeccompPolicy = SECCOMP_POLICY,
): BpfInstruction[] {
  checkPolicy(policy)
  const items: Item[] = []
  let labels = 0
  const newLabel = () => `L${labels++}`

  items.push(plain(loadWord(SECCOMP_DATA_ARCH)))
  // A syscall through another ABI carries numbers from another table: kill rather than guess.
  items.push(plain(jumpIfEqual(AUDIT_ARCH[arch], 1, 0)))
  items.push(plain(ret(actionValue(policy.foreignAbiAction))))
  items.push(plain(loadWord(SECCOMP_DATA_NR)))
  if (arch === 'x86_64') {
    // x32 shares AUDIT_ARCH_X86_64 and is told apart only by this bit in the number.
    items.push(plain(jumpIfGreaterOrEqual(X32_SYSCALL_BIT, 0, 1)))
    items.push(plain(ret(actionValue(policy.foreignAbiAction))))
  }

  // Two names with one number (an alias) would make the later block dead code: refuse.
  const numbered = new Map<number, string>()
  const numberOf = (name: string): number | undefined => {
    const nr = syscallNumber(arch, name)
    if (nr === undefined) return undefined
    const before = numbered.get(nr)
    if (before) throw new Error(`${arch} syscall ${nr} is both ${before} and ${name}`)
    numbered.set(nr, name)
    return nr
  }

  for (const rule of policy.rules) {
    const nr = numberOf(rule.syscall)
    if (nr === undefined) continue
    const after = newLabel()
    items.push({ jt: 0, jf: after, make: (jt, jf) => jumpIfEqual(nr, jt, jf) })
    items.push(...ruleBlock(rule, newLabel))
    items.push({ label: after })
  }

  for (const name of policy.allow) {
    const nr = numberOf(name)
    if (nr === undefined) continue
    items.push(plain(jumpIfEqual(nr, 0, 1)))
    items.push(plain(ret(SECCOMP_RET_ALLOW)))
  }
  items.push(plain(ret(actionValue(policy.defaultAction))))

  const program = resolveLabels(items)
  if (program.length >= BPF_MAX_INSTRUCTIONS) {
    throw new Error(
      `seccomp program for ${arch} has ${program.length} instructions: the kernel takes fewer than ${BPF_MAX_INSTRUCTIONS}`,
    )
  }
  return program
}

/** Each case: its conditions in turn, any failure jumping to the next case; then `otherwise`. */
function ruleBlock(rule: ArgumentRule, newLabel: () => string): Item[] {
  const items: Item[] = []
  for (const { when, action } of rule.cases) {
    const nextCase = newLabel()
    for (const condition of when) items.push(...conditionItems(condition, nextCase))
    items.push(plain(ret(actionValue(action))))
    items.push({ label: nextCase })
  }
  items.push(plain(ret(actionValue(rule.otherwise))))
  return items
}

/** Falls through when the condition holds, jumps to `fail` when not. Only the low 32 bits. */
function conditionItems(condition: ArgCondition, fail: string): Item[] {
  const load = plain(loadWord(argLowOffset(condition.arg)))
  switch (condition.op) {
    case 'equals':
      return [load, { jt: 0, jf: fail, make: (jt, jf) => jumpIfEqual(condition.value, jt, jf) }]
    case 'has-all-bits':
      return [
        load,
        plain(andK(condition.mask)),
        { jt: 0, jf: fail, make: (jt, jf) => jumpIfEqual(condition.mask, jt, jf) },
      ]
    case 'has-no-bits':
      return [load, { jt: fail, jf: 0, make: (jt, jf) => jumpIfAnyBit(condition.mask, jt, jf) }]
    case 'masked-equals':
      return [
        load,
        plain(andK(condition.mask)),
        { jt: 0, jf: fail, make: (jt, jf) => jumpIfEqual(condition.value, jt, jf) },
      ]
    default:
      return exhaustive(condition)
  }
}

function actionValue(action: SeccompAction): number {
  switch (action.kind) {
    case 'allow':
      return SECCOMP_RET_ALLOW
    case 'errno':
      return seccompErrno(action.errno)
    case 'kill-process':
      return SECCOMP_RET_KILL_PROCESS
    default:
      return exhaustive(action)
  }
}

/** Two passes: place the labels, then turn each target into a forward offset of 0..255. */
function resolveLabels(items: readonly Item[]): BpfInstruction[] {
  const positions = new Map<string, number>()
  let count = 0
  for (const item of items) {
    if ('label' in item) positions.set(item.label, count)
    else count++
  }
  const program: BpfInstruction[] = []
  for (const item of items) {
    if ('label' in item) continue
    const pc = program.length
    const offset = (target: Target): number => {
      if (target === 0) return 0
      const distance = (positions.get(target) ?? Number.NaN) - (pc + 1)
      if (!(distance >= 0 && distance <= BPF_MAX_JUMP)) {
        throw new Error(
          `seccomp jump at ${pc} to ${target} is ${distance}: must be 0..${BPF_MAX_JUMP}`,
        )
      }
      return distance
    }
    program.push(item.make(offset(item.jt), offset(item.jf)))
  }
  return program
}

/** A name in two places would make the result depend on the order of the blocks. */
function checkPolicy(policy: SeccompPolicy): void {
  const seen = new Map<string, string>()
  const claim = (name: string, where: string) => {
    const before = seen.get(name)
    if (before) throw new Error(`seccomp policy names ${name} twice: in ${before} and in ${where}`)
    seen.set(name, where)
  }
  for (const name of policy.allow) claim(name, 'allow')
  for (const rule of policy.rules) claim(rule.syscall, 'rules')
  for (const denial of policy.denied) for (const name of denial.names) claim(name, 'denied')
}

function exhaustive(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`)
}
