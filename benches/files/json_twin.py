# The twin of json.spl (not named json.py: it would hide the json module): json.loads and json.dumps (compact) of the document argv[1].
import json
import sys
import time

with open(sys.argv[1], encoding="utf-8") as f:
    text = f.read()
t0 = time.monotonic()
value = json.loads(text)
t1 = time.monotonic()
out = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
t2 = time.monotonic()
print(f"parse {t1 - t0:.4f}")
print(f"stringify {t2 - t1:.4f}")
print(f"items {len(value)}")
