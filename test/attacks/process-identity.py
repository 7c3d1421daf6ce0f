# Tries to change who the sandbox process is (its user, groups, capabilities) and what it looks
# like (its name, and in Pyodide process.title, which rewrites /proc/<pid>/cmdline): through
# Python's os, raw libc calls and the JavaScript realm (where the runtime has one).
exec(open("/sandbox/_attack.py").read())
import ctypes
import os

PR_SET_NAME = 15
new_name = ctypes.create_string_buffer(b"sshd")


def prctl(option, argument):
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(option, ctypes.c_ulong(argument), 0, 0, 0) != 0:
        error = ctypes.get_errno()
        raise OSError(error, os.strerror(error))
    return "done"


for name in ("setgid", "setegid", "setuid", "seteuid"):
    attempt(f"os.{name}", lambda name=name: getattr(os, name)(0))
attempt("os.setgroups", lambda: os.setgroups([0]))
attempt("os.setresuid", lambda: os.setresuid(0, 0, 0))
attempt("prctl set name", lambda: prctl(PR_SET_NAME, ctypes.addressof(new_name)))
attempt("write /proc/self/comm", lambda: open("/proc/self/comm", "w").write("sshd"))
for name in ("setgid", "setegid", "setuid", "seteuid", "initgroups"):
    attempt(name, lambda name=name: getattr(js.process, name)(1))
attempt("setgroups", lambda: js.process.setgroups(js.Array.of(1)))
attempt("title", lambda: setattr(js.process, "title", "sshd: root [priv]"))
attempt("abort", lambda: str(js.process.abort))
report()
