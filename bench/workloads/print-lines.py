"""Output: many short print() lines, to expose any per-line cost of carrying stdout out.

Smaller than the others in native python3 (~0.1 s, buffered writes to a pipe): a sandbox that
sends each line out on its own takes tens of times that, and the suite must stay short.
"""


def work():
    for i in range(300_000):
        print(i)
