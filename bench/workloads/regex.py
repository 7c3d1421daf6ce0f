"""Regular expressions: findall, sub and match over generated log lines."""

import re

LINE = re.compile(r"(\d{4})-(\d{2})-(\d{2}) (\w+) user=(\w+) took=(\d+)ms")
NUMBER = re.compile(r"\d+")


def work():
    lines = [
        f"2024-{1 + i % 12:02d}-{1 + i % 28:02d} {'GET' if i % 3 else 'POST'} user=u{i % 97} took={i % 500}ms"
        for i in range(140_000)
    ]
    slow = 0
    for line in lines:
        m = LINE.match(line)
        if m and int(m.group(6)) > 250:
            slow += 1
    text = "\n".join(lines)
    masked = NUMBER.sub("#", text)
    return slow + len(re.findall(r"user=(u\d+)", text)) + len(masked)
