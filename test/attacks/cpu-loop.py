# A busy loop that never yields. Judged on the host: the run ends as timeout, soon after its limit.
while True:
    pass
