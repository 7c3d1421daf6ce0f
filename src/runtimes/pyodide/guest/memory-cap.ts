/**
 * Caps the Python heap. Pyodide's heap is one WebAssembly.Memory that grows on demand, and
 * Emscripten's growMemory() calls `memory.grow()` inside a try/catch: when the grow throws, malloc
 * returns NULL and CPython raises MemoryError, an ordinary exception. V8's heap flags do not bound
 * wasm memory (measured: a 1 GB bytearray passes --max-old-space-size=128), so this hook is the
 * limit. It must be installed before Pyodide is loaded; the original `grow` stays in this closure
 * so the guest cannot get it back.
 *
 * @module
 */

const WASM_PAGE_BYTES = 65_536

export interface MemoryCap {
  /** True once a grow past the cap was refused since the last reset. */
  readonly hit: boolean
  reset(): void
}

/** The part of WebAssembly.Memory used here (TypeScript's lib for Node does not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer
  grow(deltaPages: number): number
}

export function installMemoryCap(capBytes: number): MemoryCap {
  const memoryPrototype = (
    globalThis as unknown as { WebAssembly: { Memory: { prototype: WasmMemory } } }
  ).WebAssembly.Memory.prototype
  const originalGrow = memoryPrototype.grow
  let hit = false
  memoryPrototype.grow = function grow(this: WasmMemory, deltaPages: number) {
    if (this.buffer.byteLength + deltaPages * WASM_PAGE_BYTES > capBytes) {
      hit = true
      throw new RangeError('pyward: memory limit reached')
    }
    return originalGrow.call(this, deltaPages)
  }
  return {
    get hit() {
      return hit
    },
    reset() {
      hit = false
    },
  }
}
