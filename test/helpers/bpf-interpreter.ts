/**
 * A small classic-BPF interpreter for seccomp programs, so tests can ask "what does the filter
 * answer for this call?" without a kernel. It runs the serialised bytes (so serialisation is
 * tested too) and refuses anything the kernel's checker would: unknown opcodes, unaligned or
 * out-of-range loads, jumps past the end, running off the end.
 */

/** What the filter is asked about: `struct seccomp_data`. Arguments are 64-bit. */
export interface SeccompCall {
  nr: number
  arch: number
  args?: readonly bigint[]
  ip?: bigint
}

export type SeccompVerdict =
  | { kind: 'allow' }
  | { kind: 'errno'; errno: number }
  | { kind: 'kill-process' }
  | { kind: 'other'; value: number }

const SECCOMP_DATA_BYTES = 64

function seccompData(call: SeccompCall): Buffer {
  const data = Buffer.alloc(SECCOMP_DATA_BYTES)
  data.writeUInt32LE(call.nr >>> 0, 0)
  data.writeUInt32LE(call.arch >>> 0, 4)
  data.writeBigUInt64LE(call.ip ?? 0n, 8)
  ;(call.args ?? []).forEach((arg, index) => {
    data.writeBigUInt64LE(BigInt.asUintN(64, arg), 16 + 8 * index)
  })
  return data
}

/** Runs `program` (raw `struct sock_filter` bytes) and returns the 32-bit value it returns. */
export function runSeccompFilter(program: Buffer, call: SeccompCall): number {
  if (program.length === 0 || program.length % 8 !== 0) {
    throw new Error(`program length ${program.length} is not a positive multiple of 8`)
  }
  const count = program.length / 8
  const data = seccompData(call)
  let a = 0
  let pc = 0
  for (let steps = 0; steps <= count; steps++) {
    if (pc >= count) throw new Error(`ran off the end of the program at ${pc}`)
    const at = pc * 8
    const code = program.readUInt16LE(at)
    const jt = program.readUInt8(at + 2)
    const jf = program.readUInt8(at + 3)
    const k = program.readUInt32LE(at + 4)
    pc++
    const jump = (condition: boolean) => {
      pc += condition ? jt : jf
    }
    switch (code) {
      case 0x20: // BPF_LD | BPF_W | BPF_ABS
        if (k % 4 !== 0 || k + 4 > SECCOMP_DATA_BYTES) throw new Error(`bad load offset ${k}`)
        a = data.readUInt32LE(k)
        break
      case 0x54: // BPF_ALU | BPF_AND | BPF_K
        a = (a & k) >>> 0
        break
      case 0x05: // BPF_JMP | BPF_JA
        pc += k
        break
      case 0x15: // BPF_JMP | BPF_JEQ | BPF_K
        jump(a === k)
        break
      case 0x35: // BPF_JMP | BPF_JGE | BPF_K
        jump(a >= k)
        break
      case 0x45: // BPF_JMP | BPF_JSET | BPF_K
        jump((a & k) !== 0)
        break
      case 0x06: // BPF_RET | BPF_K
        return k
      default:
        throw new Error(`unsupported opcode 0x${code.toString(16)} at ${pc - 1}`)
    }
  }
  throw new Error('program did not return')
}

/** The seccomp action a 32-bit return value stands for. */
export function decodeSeccompReturn(value: number): SeccompVerdict {
  if (value === 0x7fff0000) return { kind: 'allow' }
  if (value === 0x80000000) return { kind: 'kill-process' }
  if ((value & 0xffff0000) >>> 0 === 0x00050000) return { kind: 'errno', errno: value & 0xffff }
  return { kind: 'other', value }
}

/** `runSeccompFilter` then `decodeSeccompReturn`. */
export function evaluateSeccomp(program: Buffer, call: SeccompCall): SeccompVerdict {
  return decodeSeccompReturn(runSeccompFilter(program, call))
}
