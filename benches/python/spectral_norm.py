# Spectral norm: the Benchmarks Game approximation of the spectral norm of the
# infinite matrix A(i, j) = 1 / ((i + j) * (i + j + 1) / 2 + i + 1), by 10 rounds of
# the power method on A^T A with N-element vectors; prints the result with 9 decimals.
import math

N = 280


def eval_a(i, j):
    return 1.0 / ((i + j) * (i + j + 1) // 2 + i + 1)


def dot(u, v):
    total = 0.0
    for a, b in zip(u, v):
        total += a * b
    return total


def times_a(u):
    n = len(u)
    return [dot([eval_a(i, j) for j in range(n)], u) for i in range(n)]


def times_at(u):
    n = len(u)
    return [dot([eval_a(j, i) for j in range(n)], u) for i in range(n)]


def times_at_a(u):
    return times_at(times_a(u))


def main():
    u = [1.0] * N
    v = u
    for _ in range(10):
        v = times_at_a(u)
        u = times_at_a(v)
    vbv = dot(u, v)
    vv = dot(v, v)
    print(f"spectral norm of a {N}x{N} matrix: {math.sqrt(vbv / vv):.9f}")


main()
