# A thread bomb: starts 10000 threads that stay alive, through threading and _thread. Judged on
# the host: the run ends long before its time limit and the host stays alive.
import _thread
import threading
import time

started = []
try:
    for _ in range(10000):
        _thread.start_new_thread(time.sleep, (60,))
        started.append("_thread")
except RuntimeError as error:
    print(f"_thread stopped after {len(started)}: {error}")
for _ in range(10000):
    thread = threading.Thread(target=time.sleep, args=(60,), daemon=True)
    thread.start()
    started.append(thread)
print(f"started {len(started)} threads")
