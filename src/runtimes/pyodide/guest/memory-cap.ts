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
  /**
   * True if the heap is larger than the cap anyway. The hook only sees `Memory.prototype.grow`;
   * wasm code of the guest's own can run the `memory.grow` instruction on Pyodide's memory
   * (measured: a 70-byte module grew it to 1 GiB). Checked at every look of the interrupt
   * clock (every poll, or every few dozen in a tight loop: see interrupt-clock.ts).
   */
  overCap(): boolean
  /** Which memory to check in overCap(): Pyodide's heap, once it exists. */
  watch(memory: { readonly buffer: ArrayBuffer }): void
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
  let watched: { readonly buffer: ArrayBuffer } | null = null
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
    overCap() {
      return watched !== null && watched.buffer.byteLength > capBytes
    },
    watch(memory) {
      watched = memory
    },
    reset() {
      hit = false
    },
  }
}
