# Sends signals to the host process. SIGUSR1 would open a host Node process's inspector on
# 127.0.0.1:9229, a full takeover; SIGKILL would take it down. Through Python and through the
# JavaScript realm (where the runtime has one).
exec(open("/sandbox/_attack.py").read())
import os
import signal

host = params["hostPid"]

attempt("os.kill SIGUSR1", lambda: os.kill(host, signal.SIGUSR1))
attempt("os.killpg SIGUSR1", lambda: os.killpg(host, signal.SIGUSR1))
attempt("signal.pidfd_send_signal", lambda: signal.pidfd_send_signal(os.pidfd_open(host), signal.SIGUSR1))
attempt("process.kill SIGUSR1", lambda: js.process.kill(host, "SIGUSR1"))
attempt("process._debugProcess", lambda: js.process._debugProcess(host))
attempt("process._kill", lambda: js.process._kill(host, 10))
attempt("process.ppid kill", lambda: js.process.kill(js.process.ppid, "SIGKILL"))
report()
