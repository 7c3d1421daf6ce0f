# Takes memory the Python heap cap does not see. In Pyodide: pipe buffers (pure Python),
# JavaScript typed arrays, and Pyodide's own wasm memory grown by a wasm instruction instead of
# Memory.grow(). In a native sandbox: anonymous mmap pages and C's malloc through ctypes, both
# outside Python's allocator (and what it would report as MemoryError).
exec(open("/sandbox/_attack.py").read())
import asyncio
import os

kind = params["memoryAttack"]
MIB = 1 << 20
if kind == "pipe":
    read_end, write_end = os.pipe()
    block = b"x" * MIB
    for _ in range(4096):
        os.write(write_end, block)
elif kind == "typed-arrays":
    keep = []
    for _ in range(16):
        array = js.Uint8Array.new(256 * MIB)
        array.fill(1)
        keep.append(array)
elif kind == "wasm-grow":
    # A module of the guest's own imports Pyodide's memory and runs the memory.grow instruction,
    # which never calls the hooked Memory.prototype.grow.
    memory = pyodide_js._module.memory
    wasm = bytes.fromhex(
        "0061736d 01000000"
        "01 06 01 60 017f 017f"  # type 0: (i32) -> i32
        "02 0f 01 03 656e76 06 6d656d6f7279 02 00 00"  # import env.memory
        "03 02 01 00"  # function 0 of type 0
        "07 08 01 04 67726f77 00 00"  # export it as "grow"
        "0a 08 01 06 00 20 00 40 00 0b"  # local.get 0; memory.grow 0; end
    )
    env = js.Object.new()
    env.memory = memory
    imports = js.Object.new()
    imports.env = env
    grow = js.WebAssembly.Instance.new(js.WebAssembly.Module.new(ffi.to_js(wasm)), imports).exports.grow
    js.setTimeout(grow, 0, (1024 * MIB - memory.buffer.byteLength) // 65536)
    js.setTimeout(pyodide_js._module._emscripten_notify_memory_growth, 0, 0)
    await asyncio.sleep(0.2)
    data = bytearray(700 * MIB)
    for i in range(0, len(data), 4096):
        data[i] = 1
elif kind == "mmap":
    import mmap

    keep = []
    for _ in range(4096):
        pages = mmap.mmap(-1, 16 * MIB)
        pages.write(b"x" * (16 * MIB))
        keep.append(pages)
elif kind == "malloc":
    import ctypes

    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    for _ in range(4096):
        block = libc.malloc(16 * MIB)
        if block is None:
            break
        ctypes.memset(block, 1, 16 * MIB)
print("survived", kind)
