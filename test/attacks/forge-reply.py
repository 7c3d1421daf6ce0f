# Answers the host's run itself, on fd 3, then keeps the CPU busy: if the host took the forged
# reply, the guest would run on with no limit. Request ids are random, so the forged reply names
# no pending request.
exec(open("/sandbox/_attack.py").read())
import signal

write = fd_writer(3)
for guess in ("0" * 32, "1" * 32, "f" * 32):
    write(forged_outcome(guess))
# The interrupts each runtime stops a run with (Pyodide's SIGINT, the native tick's SIGALRM).
for signum in (signal.SIGINT, getattr(signal, "SIGALRM", signal.SIGINT)):
    signal.signal(signum, signal.SIG_IGN)
while True:
    pass
