"""json: dumps and loads of a nested document of records (the C accelerator, as in CPython)."""

import json


def work():
    doc = [
        {"id": i, "name": f"item-{i}", "tags": ["a", "b", str(i % 7)], "price": i * 0.25,
         "ok": i % 2 == 0, "nested": {"x": i, "y": [i, i + 1, None]}}
        for i in range(5_000)
    ]
    total = 0
    for _ in range(15):
        text = json.dumps(doc)
        total += len(json.loads(text))
    return total
