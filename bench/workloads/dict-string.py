"""Dicts and strings: build words, count them, join and split text, format keys."""


def work():
    words = [f"w{(i * 7919) % 5003}" for i in range(1_000_000)]
    text = " ".join(words)
    counts = {}
    for word in text.split(" "):
        counts[word] = counts.get(word, 0) + 1
    index = {}
    for word, count in counts.items():
        index.setdefault(word[-1], []).append(f"{word.upper()}:{count}")
    return sum(len(v) for v in index.values())
