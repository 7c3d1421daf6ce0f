# A memory bomb: asks for 100 GB, 10 MB at a time. Judged on the host: the run ends as
# memory_limit and the host stays alive.
x = [bytearray(10**7) for _ in range(10**4)]
