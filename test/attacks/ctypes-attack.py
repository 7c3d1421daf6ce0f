# ctypes: loads libc and makes raw system calls, reads and writes arbitrary addresses, calls a null
# function pointer. In Pyodide these reach only the WebAssembly module's own memory and its
# emulated libc. Judged on the host: it stays alive and untouched (the run may end ok, error or
# crashed: a bad address can end the interpreter, so those attempts come last, one at a time).
exec(open("/sandbox/_attack.py").read())
import ctypes
import ctypes.util

marker = params["markerPath"].encode()


def libc():
    return ctypes.CDLL(None, use_errno=True)


def raw_syscall(number, *args):
    result = libc().syscall(number, *args)
    return result, ctypes.get_errno()


attempt("find_library c", lambda: ctypes.util.find_library("c"))
attempt("CDLL libc.so.6", lambda: ctypes.CDLL("libc.so.6"))
attempt("CDLL None", libc)
attempt("system", lambda: libc().system(b"touch " + marker))
attempt("execv", lambda: libc().execv(b"/usr/bin/touch", (ctypes.c_char_p * 3)(b"touch", marker, None)))
attempt("fork", lambda: libc().fork())
attempt("open for writing", lambda: libc().open(marker, 0o101, 0o644))
attempt("syscall getpid", lambda: raw_syscall(39))
attempt("syscall kill host", lambda: raw_syscall(62, params["hostPid"], 10))
attempt("syscall socket AF_INET", lambda: raw_syscall(41, 2, 1, 0))
attempt("pythonapi", lambda: ctypes.pythonapi.Py_GetVersion)
report()
for name, action in [
    ("write address 0", lambda: setattr(ctypes.c_char.from_address(0), "value", b"x")),
    ("read past the heap", lambda: ctypes.string_at(2**32 - 64, 64)),
    ("read address 0", lambda: ctypes.string_at(0, 64)),
    ("call a null function pointer", lambda: ctypes.CFUNCTYPE(ctypes.c_int)(0)()),
]:
    print(f"{name}: ...", flush=True)
    attempt(name, action)
    print(f"{name}: {outcomes[name][0]}: {outcomes[name][1]}", flush=True)
