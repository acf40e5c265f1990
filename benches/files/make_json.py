# Writes a deterministic JSON document of about argv[2] MB to argv[1]: an array of
# records with strings (some non-ASCII), ints, floats, bools, nulls and nested arrays.
import json
import random
import sys

path, mb = sys.argv[1], float(sys.argv[2])
rng = random.Random(42)
words = ["alpha", "beta", "gamma", "délta", "epsilon", "zeta", "ēta", "theta", "iota", "kappa"]
records, size = [], 0
while size < mb * 1_000_000:
    r = {
        "id": len(records),
        "name": " ".join(rng.choice(words) for _ in range(3)),
        "score": round(rng.uniform(-1000, 1000), 6),
        "active": rng.random() < 0.5,
        "tags": [rng.choice(words) for _ in range(rng.randint(0, 5))],
        "point": {"x": rng.randint(-10**9, 10**9), "y": rng.random(), "label": None},
    }
    records.append(r)
    size += len(json.dumps(r, ensure_ascii=False)) + 1
with open(path, "w", encoding="utf-8") as f:
    json.dump(records, f, ensure_ascii=False, separators=(",", ":"))
