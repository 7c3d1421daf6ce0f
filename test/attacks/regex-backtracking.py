# Catastrophic regex backtracking: 2**40 paths, all inside the regex engine's C code. Judged on the
# host: the run ends as timeout, soon after its limit.
import re

re.match(r"(a+)+$", "a" * 40 + "b")
