# N-queens: as in pyperformance, walk every permutation of range(n) (one queen per row
# and column) and keep those whose diagonals i + vec[i] and vec[i] - i are all
# distinct. Permutations come in lexicographic order from next_permutation. Solves
# the 8-queens problem REPEAT times.

N = 8
REPEAT = 10


def next_permutation(p):
    # Rearrange p into the next permutation in lexicographic order; False after the last.
    i = len(p) - 2
    while i >= 0 and p[i] >= p[i + 1]:
        i -= 1
    if i < 0:
        return False
    j = len(p) - 1
    while p[j] <= p[i]:
        j -= 1
    tmp = p[i]
    p[i] = p[j]
    p[j] = tmp
    p[i + 1:] = reversed(p[i + 1:])
    return True


def n_queens(n):
    cols = range(n)
    vec = list(cols)
    solutions = []
    while True:
        if n == len({vec[i] + i for i in cols}) == len({vec[i] - i for i in cols}):
            solutions.append(tuple(vec))
        if not next_permutation(vec):
            break
    return solutions


def main():
    total = 0
    solutions = []
    for _ in range(REPEAT):
        solutions = n_queens(N)
        total += len(solutions)
    print(f"{N}-queens: {len(solutions)} solutions, {total} in {REPEAT} runs")
    print(f"first {solutions[0]}, last {solutions[-1]}")
    print(f"checksum {sum(sum(i * q for i, q in enumerate(s)) for s in solutions)}")


main()
