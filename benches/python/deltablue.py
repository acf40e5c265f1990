# DeltaBlue: the incremental dataflow constraint solver (Freeman-Benson, Maloney and
# Borning). Each round runs the chain test (a chain of equality constraints edited
# at one end) and the projection test (scale constraints between two variable sets).
# Strengths are ints: 0 is required, 6 is the weakest.

REQUIRED = 0
STRONG_PREFERRED = 1
PREFERRED = 2
STRONG_DEFAULT = 3
NORMAL = 4
WEAK_DEFAULT = 5
WEAKEST = 6

NONE = 0
FORWARD = 1
BACKWARD = 2

ROUNDS = 100
SIZE = 100


class Variable:
    def __init__(self, name, value):
        self.name = name
        self.value = value
        self.constraints = []
        self.determined_by = None
        self.mark = 0
        self.walk_strength = WEAKEST
        self.stay = True

    def remove_constraint(self, c):
        self.constraints = [d for d in self.constraints if d is not c]
        if self.determined_by is c:
            self.determined_by = None


class Constraint:
    # kind: "stay" or "edit" (unary: output `out`), "equal" or "scale" (binary: v1, v2)
    def __init__(self, kind, strength, v1, v2=None, scale=None, offset=None):
        self.kind = kind
        self.strength = strength
        self.satisfied = False
        self.out = v1
        self.v1 = v1
        self.v2 = v2
        self.scale = scale
        self.offset = offset
        self.direction = NONE
        self.add_to_graph()
        planner.incremental_add(self)

    def is_unary(self):
        return self.kind == "stay" or self.kind == "edit"

    def is_input(self):
        return self.kind == "edit"

    def vars(self):
        if self.kind == "scale":
            return [self.v1, self.v2, self.scale, self.offset]
        if self.kind == "equal":
            return [self.v1, self.v2]
        return [self.out]

    def add_to_graph(self):
        for v in self.vars():
            v.constraints.append(self)
        self.satisfied = False
        self.direction = NONE

    def remove_from_graph(self):
        for v in self.vars():
            v.remove_constraint(self)
        self.satisfied = False
        self.direction = NONE

    def is_satisfied(self):
        if self.is_unary():
            return self.satisfied
        return self.direction != NONE

    def mark_unsatisfied(self):
        self.satisfied = False
        self.direction = NONE

    def choose_method(self, mark):
        if self.is_unary():
            self.satisfied = self.out.mark != mark and self.strength < self.out.walk_strength
            return
        v1, v2 = self.v1, self.v2
        if v1.mark == mark:
            if v2.mark != mark and self.strength < v2.walk_strength:
                self.direction = FORWARD
            else:
                self.direction = NONE
        elif v2.mark == mark:
            if v1.mark != mark and self.strength < v1.walk_strength:
                self.direction = BACKWARD
            else:
                self.direction = NONE
        elif v1.walk_strength > v2.walk_strength:
            self.direction = BACKWARD if self.strength < v1.walk_strength else NONE
        else:
            self.direction = FORWARD if self.strength < v2.walk_strength else NONE

    def input(self):
        return self.v1 if self.direction == FORWARD else self.v2

    def output(self):
        if self.is_unary():
            return self.out
        return self.v2 if self.direction == FORWARD else self.v1

    def mark_inputs(self, mark):
        if self.is_unary():
            return
        self.input().mark = mark
        if self.kind == "scale":
            self.scale.mark = mark
            self.offset.mark = mark

    def inputs_known(self, mark):
        if self.is_unary():
            return True
        i = self.input()
        return i.mark == mark or i.stay or i.determined_by is None

    def execute(self):
        if self.kind == "equal":
            self.output().value = self.input().value
        elif self.kind == "scale":
            if self.direction == FORWARD:
                self.v2.value = self.v1.value * self.scale.value + self.offset.value
            else:
                self.v1.value = (self.v2.value - self.offset.value) // self.scale.value

    def recalculate(self):
        if self.is_unary():
            self.out.walk_strength = self.strength
            self.out.stay = not self.is_input()
        else:
            i = self.input()
            out = self.output()
            out.walk_strength = max(self.strength, i.walk_strength)
            out.stay = i.stay
            if self.kind == "scale":
                out.stay = i.stay and self.scale.stay and self.offset.stay
        if self.output().stay:
            self.execute()

    def satisfy(self, mark):
        self.choose_method(mark)
        if not self.is_satisfied():
            if self.strength == REQUIRED:
                raise RuntimeError("could not satisfy a required constraint")
            return None
        self.mark_inputs(mark)
        out = self.output()
        overridden = out.determined_by
        if overridden is not None:
            overridden.mark_unsatisfied()
        out.determined_by = self
        if not planner.add_propagate(self, mark):
            raise RuntimeError("cycle encountered")
        out.mark = mark
        return overridden

    def destroy(self):
        if self.is_satisfied():
            planner.incremental_remove(self)
        else:
            self.remove_from_graph()


class Planner:
    def __init__(self):
        self.current_mark = 0

    def new_mark(self):
        self.current_mark += 1
        return self.current_mark

    def incremental_add(self, c):
        mark = self.new_mark()
        overridden = c.satisfy(mark)
        while overridden is not None:
            overridden = overridden.satisfy(mark)

    def incremental_remove(self, c):
        out = c.output()
        c.mark_unsatisfied()
        c.remove_from_graph()
        unsatisfied = self.remove_propagate_from(out)
        for strength in range(REQUIRED, WEAKEST):
            for u in unsatisfied:
                if u.strength == strength:
                    self.incremental_add(u)

    def add_constraints_consuming_to(self, v, todo):
        determining = v.determined_by
        for c in v.constraints:
            if c is not determining and c.is_satisfied():
                todo.append(c)

    def add_propagate(self, c, mark):
        todo = [c]
        while todo:
            d = todo.pop(0)
            if d.output().mark == mark:
                self.incremental_remove(c)
                return False
            d.recalculate()
            self.add_constraints_consuming_to(d.output(), todo)
        return True

    def remove_propagate_from(self, out):
        out.determined_by = None
        out.walk_strength = WEAKEST
        out.stay = True
        unsatisfied = []
        todo = [out]
        while todo:
            v = todo.pop(0)
            for c in v.constraints:
                if not c.is_satisfied():
                    unsatisfied.append(c)
            determining = v.determined_by
            for c in v.constraints:
                if c is not determining and c.is_satisfied():
                    c.recalculate()
                    todo.append(c.output())
        return unsatisfied

    def make_plan(self, sources):
        mark = self.new_mark()
        plan = []
        todo = sources
        while todo:
            c = todo.pop(0)
            if c.output().mark != mark and c.inputs_known(mark):
                plan.append(c)
                c.output().mark = mark
                self.add_constraints_consuming_to(c.output(), todo)
        return plan

    def extract_plan(self, constraints):
        return self.make_plan([c for c in constraints if c.is_input() and c.is_satisfied()])


planner = Planner()


def execute_plan(plan):
    for c in plan:
        c.execute()


def chain_test(n):
    global planner
    planner = Planner()
    variables = [Variable(f"v{i}", 0) for i in range(n + 1)]
    for a, b in zip(variables, variables[1:]):
        Constraint("equal", REQUIRED, a, b)
    first = variables[0]
    last = variables[-1]
    Constraint("stay", STRONG_DEFAULT, last)
    edit = Constraint("edit", PREFERRED, first)
    plan = planner.extract_plan([edit])
    check = 0
    for i in range(100):
        first.value = i
        execute_plan(plan)
        if last.value != i:
            raise RuntimeError("chain test failed")
        check += last.value
    edit.destroy()
    return check


def change(v, value):
    edit = Constraint("edit", PREFERRED, v)
    plan = planner.extract_plan([edit])
    for _ in range(10):
        v.value = value
        execute_plan(plan)
    edit.destroy()


def projection_test(n):
    global planner
    planner = Planner()
    scale = Variable("scale", 10)
    offset = Variable("offset", 1000)
    src = None
    dst = None
    dests = []
    for i in range(n):
        src = Variable(f"src{i}", i)
        dst = Variable(f"dst{i}", i)
        dests.append(dst)
        Constraint("stay", NORMAL, src)
        Constraint("scale", REQUIRED, src, dst, scale, offset)
    change(src, 17)
    if dst.value != 1170:
        raise RuntimeError("projection 1 failed")
    change(dst, 1050)
    if src.value != 5:
        raise RuntimeError("projection 2 failed")
    change(scale, 5)
    for i in range(n - 1):
        if dests[i].value != i * 5 + 1000:
            raise RuntimeError("projection 3 failed")
    change(offset, 2000)
    for i in range(n - 1):
        if dests[i].value != i * 5 + 2000:
            raise RuntimeError("projection 4 failed")
    return sum(d.value for d in dests) + src.value


def main():
    chain = 0
    projection = 0
    for _ in range(ROUNDS):
        chain += chain_test(SIZE)
        projection += projection_test(SIZE)
    print(f"deltablue: {ROUNDS} rounds of size {SIZE}")
    print(f"chain checksum {chain}, projection checksum {projection}, marks {planner.current_mark}")


main()
