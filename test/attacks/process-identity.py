# Tries to change who the sandbox process is (its groups, as root) and what it looks like
# (process.title rewrites /proc/<pid>/cmdline).
exec(open("/sandbox/_attack.py").read())
import js

for name in ("setgid", "setegid", "setuid", "seteuid", "initgroups"):
    attempt(name, lambda name=name: getattr(js.process, name)(1))
attempt("setgroups", lambda: js.process.setgroups(js.Array.of(1)))
attempt("title", lambda: setattr(js.process, "title", "sshd: root [priv]"))
attempt("abort", lambda: str(js.process.abort))
report()
