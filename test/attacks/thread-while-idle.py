# Leaves a thread spinning when the run returns: in a native interpreter threads run on while the
# host believes the sandbox idle, and would use the host's CPU with no limit.
import threading


def spin():
    while True:
        pass


threading.Thread(target=spin, daemon=True).start()
"thread started"
