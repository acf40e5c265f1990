# Fannkuch-redux (Benchmarks Game): for every permutation of 0..n-1, count the prefix
# reversals ("pancake flips") until 0 is in front; prints the alternating-sign
# checksum of the flip counts and the maximum. Permutations are generated in the
# benchmark's rotation order (count array).

N = 9


def fannkuch(n):
    perm1 = list(range(n))
    count = [0] * n
    max_flips = 0
    checksum = 0
    perm_count = 0
    r = n
    while True:
        while r != 1:
            count[r - 1] = r
            r -= 1
        perm = perm1[:]
        flips = 0
        k = perm[0]
        while k != 0:
            perm[:k + 1] = perm[k::-1]
            flips += 1
            k = perm[0]
        max_flips = max(max_flips, flips)
        checksum += flips if perm_count % 2 == 0 else -flips
        # next permutation: rotate the first r + 1 elements until a count is left
        while True:
            if r == n:
                return checksum, max_flips
            perm1.insert(r, perm1.pop(0))
            count[r] -= 1
            if count[r] > 0:
                break
            r += 1
        perm_count += 1


def main():
    checksum, max_flips = fannkuch(N)
    print(checksum)
    print(f"Pfannkuchen({N}) = {max_flips}")


main()
