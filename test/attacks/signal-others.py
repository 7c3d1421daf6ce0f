# Signals other processes: every pid from 1 to 2000 and the host's own processes, with SIGUSR1
# (which opens a Node process's inspector) and SIGKILL, through os.kill, os.killpg and the
# JavaScript realm (where the runtime has one). Judged on the host: a host child that writes the
# marker on SIGUSR1 never gets a signal and stays alive, and the test process's inspector stays
# closed.
exec(open("/sandbox/_attack.py").read())
import os
import signal

# Not its own pid (Emscripten's getpid() is 42), nor its own process group (in a native sandbox,
# that of the namespace's pid 1): a signal to itself ends the run, as it should.
own = os.getpid()
own_group = os.getpgid(0) if hasattr(os, "getpgid") else own
itself, its_group = {own}, {own, own_group}
targets = [params["childPid"], params["hostPid"], *range(1, 2001)]


def signal_all(send, signum, skip):
    """Returns the pids that took the signal; raises when none did."""
    sent, refused = [], {}
    for pid in targets:
        if pid in skip:
            continue
        try:
            send(pid, signum)
            sent.append(pid)
        except BaseException as error:  # noqa: BLE001 - every failure is an outcome here
            refused[type(error).__name__] = refused.get(type(error).__name__, 0) + 1
    if not sent:
        raise PermissionError(f"every signal was refused: {refused}")
    return sent


attempt("os.kill SIGUSR1", lambda: signal_all(os.kill, signal.SIGUSR1, itself))
attempt("os.killpg SIGUSR1", lambda: signal_all(os.killpg, signal.SIGUSR1, its_group))
attempt("process.kill SIGUSR1", lambda: signal_all(js.process.kill, "SIGUSR1", itself))
attempt("process._kill SIGUSR1", lambda: signal_all(js.process._kill, 10, itself))
attempt("process._debugProcess", lambda: js.process._debugProcess(params["childPid"]))
if not native():
    # A thread handle, not a pid: natively a pointer, which glibc follows (the interpreter crashes
    # itself, as in c-crash.py); in Pyodide, emulated.
    attempt("signal.pthread_kill", lambda: signal.pthread_kill(params["childPid"], signal.SIGUSR1))
attempt("os.kill SIGKILL", lambda: signal_all(os.kill, signal.SIGKILL, itself))
attempt("os.killpg SIGKILL", lambda: signal_all(os.killpg, signal.SIGKILL, its_group))
attempt("process.kill SIGKILL", lambda: signal_all(js.process.kill, "SIGKILL", itself))
report()
