/**
 * Classic BPF as the kernel's seccomp loader reads it: `struct sock_filter { u16 code; u8 jt;
 * u8 jf; u32 k }`, 8 bytes each, in the host's byte order (little-endian on x86_64 and aarch64).
 * Only the few opcodes a seccomp filter needs are here.
 *
 * @module
 */

/** One `struct sock_filter`. `jt`/`jf` are forward offsets counted from the next instruction. */
export interface BpfInstruction {
  readonly code: number
  readonly jt: number
  readonly jf: number
  readonly k: number
}

// Opcode parts (linux/bpf_common.h).
export const BPF_LD = 0x00
export const BPF_ALU = 0x04
export const BPF_JMP = 0x05
export const BPF_RET = 0x06
export const BPF_W = 0x00
export const BPF_ABS = 0x20
export const BPF_AND = 0x50
export const BPF_JEQ = 0x10
export const BPF_JGE = 0x30
export const BPF_JSET = 0x40
export const BPF_K = 0x00

/** The kernel refuses longer programs (BPF_MAXINSNS). */
export const BPF_MAX_INSTRUCTIONS = 4096
/** `jt`/`jf` are u8: a conditional jump reaches at most this many instructions ahead. */
export const BPF_MAX_JUMP = 255

// Return values (linux/seccomp.h). The low 16 bits of ERRNO carry the errno.
export const SECCOMP_RET_KILL_PROCESS = 0x80000000
export const SECCOMP_RET_ERRNO = 0x00050000
export const SECCOMP_RET_ALLOW = 0x7fff0000

// Architecture tokens in seccomp_data.arch (linux/audit.h).
export const AUDIT_ARCH_X86_64 = 0xc000003e
export const AUDIT_ARCH_AARCH64 = 0xc00000b7

/** On x86_64, syscall numbers with this bit set select the x32 ABI (same AUDIT_ARCH value). */
export const X32_SYSCALL_BIT = 0x40000000

// Offsets into `struct seccomp_data { int nr; u32 arch; u64 instruction_pointer; u64 args[6] }`.
export const SECCOMP_DATA_NR = 0
export const SECCOMP_DATA_ARCH = 4
export const SECCOMP_DATA_IP = 8

/** Offset of the low 32 bits of syscall argument `index` (little-endian hosts only). */
export function argLowOffset(index: number): number {
  if (!Number.isInteger(index) || index < 0 || index > 5) {
    throw new RangeError(`seccomp argument index must be 0..5: got ${index}`)
  }
  return 16 + 8 * index
}

/** Offset of the high 32 bits of syscall argument `index` (little-endian hosts only). */
export function argHighOffset(index: number): number {
  return argLowOffset(index) + 4
}

/** `SECCOMP_RET_ERRNO | errno`: the syscall fails with `errno` without running. */
export function seccompErrno(errno: number): number {
  if (!Number.isInteger(errno) || errno < 1 || errno > 0xfff) {
    throw new RangeError(`errno must be 1..4095: got ${errno}`)
  }
  return (SECCOMP_RET_ERRNO | errno) >>> 0
}

function instruction(code: number, k: number, jt = 0, jf = 0): BpfInstruction {
  if (!Number.isInteger(k) || k < 0 || k > 0xffffffff) {
    throw new RangeError(`BPF constant must be a u32: got ${k}`)
  }
  for (const offset of [jt, jf]) {
    if (!Number.isInteger(offset) || offset < 0 || offset > BPF_MAX_JUMP) {
      throw new RangeError(`BPF jump offset must be 0..${BPF_MAX_JUMP}: got ${offset}`)
    }
  }
  return { code, jt, jf, k }
}

/** `A = *(u32 *)(seccomp_data + offset)`. */
export function loadWord(offset: number): BpfInstruction {
  return instruction(BPF_LD | BPF_W | BPF_ABS, offset)
}

/** `A &= k`. */
export function andK(k: number): BpfInstruction {
  return instruction(BPF_ALU | BPF_AND | BPF_K, k)
}

/** `pc += (A == k) ? jt : jf`. */
export function jumpIfEqual(k: number, jt: number, jf: number): BpfInstruction {
  return instruction(BPF_JMP | BPF_JEQ | BPF_K, k, jt, jf)
}

/** `pc += (A >= k) ? jt : jf` (unsigned). */
export function jumpIfGreaterOrEqual(k: number, jt: number, jf: number): BpfInstruction {
  return instruction(BPF_JMP | BPF_JGE | BPF_K, k, jt, jf)
}

/** `pc += (A & k) ? jt : jf`. */
export function jumpIfAnyBit(k: number, jt: number, jf: number): BpfInstruction {
  return instruction(BPF_JMP | BPF_JSET | BPF_K, k, jt, jf)
}

/** `return k`: the seccomp action for this syscall. */
export function ret(k: number): BpfInstruction {
  return instruction(BPF_RET | BPF_K, k)
}

/** The bytes bwrap's `--seccomp FD` expects: the instructions back to back, little-endian. */
export function serializeBpf(program: readonly BpfInstruction[]): Buffer {
  const bytes = Buffer.alloc(program.length * 8)
  program.forEach((insn, index) => {
    const at = index * 8
    bytes.writeUInt16LE(insn.code, at)
    bytes.writeUInt8(insn.jt, at + 2)
    bytes.writeUInt8(insn.jf, at + 3)
    bytes.writeUInt32LE(insn.k, at + 4)
  })
  return bytes
}
