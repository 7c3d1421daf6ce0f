# Crashes the interpreter in C (params["crash"]): a read of address 0, a call of a null function
# pointer, faulthandler's deliberate segfault, abort(), a C stack overflow (recursion through C
# with Python's recursion limit lifted), and a segfault in another thread.
# Judged on the host: the run ends as crashed (or error), the host is untouched, and a new sandbox
# still works.
exec(open("/sandbox/_attack.py").read())
import ctypes
import faulthandler
import os
import sys
import threading


class Deep:
    def __repr__(self):
        return repr(Deep())


def c_stack_overflow():
    sys.setrecursionlimit(10**9)
    repr(Deep())


def segfault_in_a_thread():
    thread = threading.Thread(target=faulthandler._sigsegv)
    thread.start()
    thread.join()


CRASHES = {
    "read address 0": lambda: ctypes.string_at(0),
    "call a null function pointer": lambda: ctypes.CFUNCTYPE(ctypes.c_int)(0)(),
    "faulthandler._sigsegv": faulthandler._sigsegv,
    "os.abort": os.abort,
    "C stack overflow": c_stack_overflow,
    "segfault in a thread": segfault_in_a_thread,
}
crash = params["crash"]
print(f"{crash}: ...", flush=True)
CRASHES[crash]()
print(f"{crash}: survived", flush=True)
