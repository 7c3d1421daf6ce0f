# A fork bomb: starts processes in a loop, each of which would start more. Judged on the host:
# the run ends long before its time limit and the host stays alive.
import os
import subprocess

bomb = "import os\nwhile True: os.fork()"
for _ in range(1000):
    try:
        subprocess.Popen(["python3", "-c", bomb])
    except OSError as error:
        print(f"subprocess: {error}")
        break
while True:
    os.fork()
