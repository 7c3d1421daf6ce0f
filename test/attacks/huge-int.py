# Huge integers: decimal conversions that take quadratic time, which CPython caps at 4300 digits
# (int max str digits), then the guest lifts the cap and converts anyway. Judged on the host: the
# run ends as error (ValueError) or timeout, soon after its limit.
import sys

for name, action in [
    ("int from 10**6 digits", lambda: int("9" * 10**6)),
    ("str of 2**(10**7)", lambda: str(1 << 10**7)),
]:
    try:
        action()
        print(f"{name}: returned")
    except ValueError as error:
        print(f"{name}: {error}")
sys.set_int_max_str_digits(0)
str(10**10**7)
