# Signals other processes: every pid from 1 to 2000 and the host's own processes, with SIGUSR1
# (which opens a Node process's inspector) and SIGKILL, through os.kill, os.killpg and the
# JavaScript realm. Judged on the host: a host child that writes the marker on SIGUSR1 never gets
# a signal and stays alive, and the test process's inspector stays closed.
exec(open("/sandbox/_attack.py").read())
import os
import signal

import js

# Not its own pid (Emscripten's getpid() is 42): a signal to itself ends the run, as it should.
targets = [params["childPid"], params["hostPid"], *(pid for pid in range(1, 2001) if pid != os.getpid())]


def signal_all(send, signum):
    """Returns the pids that took the signal; raises when none did."""
    sent, refused = [], {}
    for pid in targets:
        try:
            send(pid, signum)
            sent.append(pid)
        except BaseException as error:  # noqa: BLE001 - every failure is an outcome here
            refused[type(error).__name__] = refused.get(type(error).__name__, 0) + 1
    if not sent:
        raise PermissionError(f"every signal was refused: {refused}")
    return sent


attempt("os.kill SIGUSR1", lambda: signal_all(os.kill, signal.SIGUSR1))
attempt("os.killpg SIGUSR1", lambda: signal_all(os.killpg, signal.SIGUSR1))
attempt("process.kill SIGUSR1", lambda: signal_all(js.process.kill, "SIGUSR1"))
attempt("process._kill SIGUSR1", lambda: signal_all(js.process._kill, 10))
attempt("process._debugProcess", lambda: js.process._debugProcess(params["childPid"]))
attempt("signal.pthread_kill", lambda: signal.pthread_kill(params["childPid"], signal.SIGUSR1))
attempt("os.kill SIGKILL", lambda: signal_all(os.kill, signal.SIGKILL))
attempt("os.killpg SIGKILL", lambda: signal_all(os.killpg, signal.SIGKILL))
attempt("process.kill SIGKILL", lambda: signal_all(js.process.kill, "SIGKILL"))
report()
