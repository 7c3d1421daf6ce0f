# Recursion past the interpreter's limit, then past the WebAssembly stack with the limit raised.
# Judged on the host: the run ends as error (RecursionError) or crashed, never ok, and the host
# stays alive.
import sys


def down(depth):
    return down(depth + 1)


try:
    down(0)
except RecursionError as error:
    print(f"at the default limit: {error}")
sys.setrecursionlimit(10**4)
down(0)
