# Writes arbitrary memory of the interpreter's process through ctypes (params["target"]): an
# unmapped address, the interpreter's own code (read-only), the `int` type object it uses at
# once, and every writable mapping of the process. In a native sandbox nothing but the OS layers
# stands around this process. Judged on the host: the run ends as crashed or error, the host is
# untouched, and a new sandbox still works.
exec(open("/sandbox/_attack.py").read())
import ctypes

target = params["target"]
print(f"{target}: ...", flush=True)
if target == "address 8":
    ctypes.memset(8, 0x41, 64)
elif target == "interpreter code":
    code = ctypes.cast(ctypes.pythonapi.Py_GetVersion, ctypes.c_void_p).value
    ctypes.memmove(code, b"\xcc" * 16, 16)
elif target == "int type object":
    # Everything after the object header: the slots every integer operation goes through.
    ctypes.memset(id(int) + 16, 0, type.__basicsize__ - 16)
    print(1 + 1)
elif target == "every writable mapping":
    for fields in [line.split() for line in open("/proc/self/maps")]:
        if fields[1].startswith("rw"):
            start, end = (int(address, 16) for address in fields[0].split("-"))
            ctypes.memset(start, 0xAB, end - start)
print(f"{target}: survived", flush=True)
