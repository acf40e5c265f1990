# Fasta (Benchmarks Game): generate DNA sequences in FASTA layout (60 characters a
# line): ALU repeated for 2N characters, then 3N and 5N characters drawn from the IUB
# and Homo sapiens frequency tables with the benchmark's linear congruential
# generator. Instead of printing megabytes, prints each section's line count, its
# first two and last lines, and a checksum of the chosen table indexes.

N = 250000
WIDTH = 60
IM = 139968
IA = 3877
IC = 29573

ALU = ("GGCCGGGCGCGGTGGCTCACGCCTGTAATCCCAGCACTTTGG"
       "GAGGCCGAGGCGGGCGGATCACCTGAGGTCAGGAGTTCGAGA"
       "CCAGCCTGGCCAACATGGTGAAACCCCGTCTCTACTAAAAAT"
       "ACAAAAATTAGCCGGGCGTGGTGGCGCGCGCCTGTAATCCCA"
       "GCTACTCGGGAGGCTGAGGCAGGAGAATCGCTTGAACCCGGG"
       "AGGCGGAGGTTGCAGTGAGCCGAGATCGCGCCACTGCACTCC"
       "AGCCTGGGCGACAGAGCGAGACTCCGTCTCAAAAA")

IUB = [("a", 0.27), ("c", 0.12), ("g", 0.12), ("t", 0.27),
       ("B", 0.02), ("D", 0.02), ("H", 0.02), ("K", 0.02),
       ("M", 0.02), ("N", 0.02), ("R", 0.02), ("S", 0.02),
       ("V", 0.02), ("W", 0.02), ("Y", 0.02)]

HOMO_SAPIENS = [("a", 0.3029549426680), ("c", 0.1979883004921),
                ("g", 0.1975473066391), ("t", 0.3015094502008)]


class Rng:
    def __init__(self, seed):
        self.seed = seed

    def next(self, max_value):
        self.seed = (self.seed * IA + IC) % IM
        return max_value * self.seed / IM


def repeat_fasta(src, n):
    lines = []
    s = src + src[:WIDTH]
    pos = 0
    for start in range(0, n, WIDTH):
        w = min(WIDTH, n - start)
        lines.append(s[pos:pos + w])
        pos = (pos + w) % len(src)
    return lines, 0


def random_fasta(rng, table, n):
    chars = [c for c, _ in table]
    cumulative = []
    acc = 0.0
    for _, p in table:
        acc += p
        cumulative.append(acc)
    last = len(table) - 1
    lines = []
    checksum = 0
    for start in range(0, n, WIDTH):
        line = []
        for _ in range(min(WIDTH, n - start)):
            r = rng.next(1.0)
            k = 0
            while k < last and cumulative[k] <= r:
                k += 1
            line.append(chars[k])
            checksum += k
        lines.append("".join(line))
    return lines, checksum


def report(header, section):
    lines, checksum = section
    print(header)
    print(f"{len(lines)} lines, {sum(len(line) for line in lines)} chars, checksum {checksum}")
    print(lines[0])
    print(lines[1])
    print("...")
    print(lines[-1])


def main():
    rng = Rng(42)
    report(">ONE Homo sapiens alu", repeat_fasta(ALU, 2 * N))
    report(">TWO IUB ambiguity codes", random_fasta(rng, IUB, 3 * N))
    report(">THREE Homo sapiens frequency", random_fasta(rng, HOMO_SAPIENS, 5 * N))
    print(f"final seed {rng.seed}")


main()
