# K-nucleotide (Benchmarks Game): generate a DNA sequence of LENGTH characters with
# fasta's linear congruential generator and Homo sapiens frequencies, count every
# k-mer with a dict (sliding a window seq[i:i + k]), print the 1-mer and 2-mer
# frequencies sorted by count, then the counts of five given sequences.

LENGTH = 250000
IM = 139968
IA = 3877
IC = 29573

HOMO_SAPIENS = [("A", 0.3029549426680), ("C", 0.1979883004921),
                ("G", 0.1975473066391), ("T", 0.3015094502008)]


def make_sequence(n):
    seed = 42
    cumulative = []
    acc = 0.0
    for _, p in HOMO_SAPIENS:
        acc += p
        cumulative.append(acc)
    chars = []
    for _ in range(n):
        seed = (seed * IA + IC) % IM
        r = seed / IM
        k = 0
        while k < 3 and cumulative[k] <= r:
            k += 1
        chars.append(HOMO_SAPIENS[k][0])
    return "".join(chars)


def frequencies(seq, k):
    counts = {}
    for i in range(len(seq) - k + 1):
        frag = seq[i:i + k]
        if frag in counts:
            counts[frag] += 1
        else:
            counts[frag] = 1
    return counts


def main():
    seq = make_sequence(LENGTH)
    for k in [1, 2]:
        counts = frequencies(seq, k)
        total = sum(counts.values())
        for frag, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            print(f"{frag} {100.0 * c / total:.3f}")
        print("")
    for frag in ["GGT", "GGTA", "GGTATT", "GGTATTTTAATT", "GGTATTTTAATTTATAGT"]:
        counts = frequencies(seq, len(frag))
        print(f"{counts.get(frag, 0)}\t{frag}")


main()
