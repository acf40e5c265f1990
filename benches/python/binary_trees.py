# Binary trees (Benchmarks Game): allocate and walk perfect binary trees. A stretch
# tree of depth MAX_DEPTH + 1, a long-lived tree of depth MAX_DEPTH, and for each
# depth d = 4, 6, ..., MAX_DEPTH, 2 ** (MAX_DEPTH - d + 4) trees of depth d; prints
# the node counts.

MIN_DEPTH = 4
MAX_DEPTH = 14


class Node:
    def __init__(self, left, right):
        self.left = left
        self.right = right

    def check(self):
        if self.left is None:
            return 1
        return 1 + self.left.check() + self.right.check()


def make_tree(depth):
    if depth == 0:
        return Node(None, None)
    return Node(make_tree(depth - 1), make_tree(depth - 1))


def main():
    max_depth = max(MIN_DEPTH + 2, MAX_DEPTH)
    stretch = max_depth + 1
    print(f"stretch tree of depth {stretch}\t check: {make_tree(stretch).check()}")
    long_lived = make_tree(max_depth)
    for depth in range(MIN_DEPTH, max_depth + 1, 2):
        iterations = 2 ** (max_depth - depth + MIN_DEPTH)
        check = 0
        for _ in range(iterations):
            check += make_tree(depth).check()
        print(f"{iterations}\t trees of depth {depth}\t check: {check}")
    print(f"long lived tree of depth {max_depth}\t check: {long_lived.check()}")


main()
