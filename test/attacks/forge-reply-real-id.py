# Answers the host's run itself, on fd 3, with the id of the pending request (a native guest finds
# it in the frame of the sandbox's own serving loop), then keeps the CPU busy with every interrupt
# ignored: the host takes the reply and believes the sandbox idle, while the guest runs on.
# Judged on the host: the sandbox that works on is killed within a second, and the time it ran
# past its reply is no more than that.
exec(open("/sandbox/_attack.py").read())
import signal
import sys


def pending_request():
    frame = sys._getframe()
    while frame is not None:
        request = frame.f_locals.get("request")
        if isinstance(request, dict) and "id" in request:
            return request
        frame = frame.f_back
    raise LookupError("no request in the stack")


frame = forged_outcome(pending_request()["id"])
for signum in (signal.SIGINT, signal.SIGALRM):
    signal.signal(signum, signal.SIG_IGN)
signal.setitimer(signal.ITIMER_REAL, 0, 0)
fd_writer(3)(frame)
while True:
    pass
