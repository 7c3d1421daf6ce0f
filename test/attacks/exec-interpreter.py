# Replaces the sandbox's interpreter with a fresh one (execve is the one way to start a program
# the sandbox has: its filter refuses new processes, not exec), which keeps the protocol channel,
# ignores every signal it can and never stops. Judged on the host: the run still ends by the
# host's time limit (or as crashed), and no process of it is left.
import os
import sys

os.set_inheritable(3, True)
program = "\n".join(
    [
        "import signal",
        "for signum in (signal.SIGINT, signal.SIGALRM, signal.SIGTERM, signal.SIGHUP):",
        "    signal.signal(signum, signal.SIG_IGN)",
        "while True:",
        "    pass",
    ]
)
print("exec ...", flush=True)
os.execv(sys.executable, [sys.executable, "-I", "-S", "-c", program])
