# Richards: Martin Richards' operating-system simulation benchmark. An idle task,
# a worker task, two handler tasks and two device tasks exchange packets through
# queues under a priority scheduler. Each run must end with hold_count 9297 and
# qpkt_count 23246.

I_IDLE = 1
I_WORK = 2
I_HANDLER_A = 3
I_HANDLER_B = 4
I_DEV_A = 5
I_DEV_B = 6

K_DEV = 1000
K_WORK = 1001

BUFSIZE = 4
ITERATIONS = 12


class Packet:
    def __init__(self, link, ident, kind):
        self.link = link
        self.ident = ident
        self.kind = kind
        self.datum = 0
        self.data = [0] * BUFSIZE

    def append_to(self, queue):
        self.link = None
        if queue is None:
            return self
        p = queue
        while p.link is not None:
            p = p.link
        p.link = self
        return queue


class DeviceRec:
    def __init__(self):
        self.pending = None


class IdleRec:
    def __init__(self):
        self.control = 1
        self.count = 10000


class HandlerRec:
    def __init__(self):
        self.work_in = None
        self.device_in = None


class WorkerRec:
    def __init__(self):
        self.destination = I_HANDLER_A
        self.count = 0


class Scheduler:
    def __init__(self):
        self.table = [None] * 10
        self.task_list = None
        self.hold_count = 0
        self.qpkt_count = 0


sched = Scheduler()


class Task:
    def __init__(self, kind, ident, priority, queue, pending, waiting, rec):
        self.kind = kind
        self.link = sched.task_list
        self.ident = ident
        self.priority = priority
        self.input = queue
        self.packet_pending = pending
        self.task_waiting = waiting
        self.task_holding = False
        self.rec = rec
        sched.task_list = self
        sched.table[ident] = self

    def holding_or_waiting(self):
        return self.task_holding or (not self.packet_pending and self.task_waiting)

    def waiting_with_packet(self):
        return self.packet_pending and self.task_waiting and not self.task_holding

    def add_packet(self, p, old):
        if self.input is None:
            self.input = p
            self.packet_pending = True
            if self.priority > old.priority:
                return self
        else:
            p.append_to(self.input)
        return old

    def run(self):
        msg = None
        if self.waiting_with_packet():
            msg = self.input
            self.input = msg.link
            self.task_waiting = False
            self.task_holding = False
            self.packet_pending = self.input is not None
        kind = self.kind
        if kind == "idle":
            return self.run_idle()
        elif kind == "work":
            return self.run_work(msg)
        elif kind == "handler":
            return self.run_handler(msg)
        else:
            return self.run_device(msg)

    def wait(self):
        self.task_waiting = True
        return self

    def hold(self):
        sched.hold_count += 1
        self.task_holding = True
        return self.link

    def release(self, ident):
        t = sched.table[ident]
        t.task_holding = False
        if t.priority > self.priority:
            return t
        return self

    def qpkt(self, pkt):
        t = sched.table[pkt.ident]
        sched.qpkt_count += 1
        pkt.link = None
        pkt.ident = self.ident
        return t.add_packet(pkt, self)

    def run_idle(self):
        r = self.rec
        r.count -= 1
        if r.count == 0:
            return self.hold()
        if r.control & 1 == 0:
            r.control = r.control // 2
            return self.release(I_DEV_A)
        r.control = (r.control // 2) ^ 0xD008
        return self.release(I_DEV_B)

    def run_work(self, pkt):
        if pkt is None:
            return self.wait()
        r = self.rec
        if r.destination == I_HANDLER_A:
            r.destination = I_HANDLER_B
        else:
            r.destination = I_HANDLER_A
        pkt.ident = r.destination
        pkt.datum = 0
        for i in range(BUFSIZE):
            r.count += 1
            if r.count > 26:
                r.count = 1
            pkt.data[i] = ord("A") + r.count - 1
        return self.qpkt(pkt)

    def run_handler(self, pkt):
        r = self.rec
        if pkt is not None:
            if pkt.kind == K_WORK:
                r.work_in = pkt.append_to(r.work_in)
            else:
                r.device_in = pkt.append_to(r.device_in)
        work = r.work_in
        if work is None:
            return self.wait()
        count = work.datum
        if count >= BUFSIZE:
            r.work_in = work.link
            return self.qpkt(work)
        dev = r.device_in
        if dev is None:
            return self.wait()
        r.device_in = dev.link
        dev.datum = work.data[count]
        work.datum = count + 1
        return self.qpkt(dev)

    def run_device(self, pkt):
        r = self.rec
        if pkt is None:
            pkt = r.pending
            if pkt is None:
                return self.wait()
            r.pending = None
            return self.qpkt(pkt)
        r.pending = pkt
        return self.hold()


def make_queue(ident, kind, n):
    q = None
    for _ in range(n):
        q = Packet(q, ident, kind)
    return q


def run_once():
    sched.table = [None] * 10
    sched.task_list = None
    sched.hold_count = 0
    sched.qpkt_count = 0
    Task("idle", I_IDLE, 1, None, False, False, IdleRec())
    Task("work", I_WORK, 1000, make_queue(0, K_WORK, 2), True, True, WorkerRec())
    Task("handler", I_HANDLER_A, 2000, make_queue(I_DEV_A, K_DEV, 3), True, True, HandlerRec())
    Task("handler", I_HANDLER_B, 3000, make_queue(I_DEV_B, K_DEV, 3), True, True, HandlerRec())
    Task("device", I_DEV_A, 4000, None, False, True, DeviceRec())
    Task("device", I_DEV_B, 5000, None, False, True, DeviceRec())
    t = sched.task_list
    while t is not None:
        if t.holding_or_waiting():
            t = t.link
        else:
            t = t.run()
    return (sched.hold_count, sched.qpkt_count)


def main():
    ok = 0
    for _ in range(ITERATIONS):
        hold, qpkt = run_once()
        if hold == 9297 and qpkt == 23246:
            ok += 1
    print(f"richards: {ok}/{ITERATIONS} runs ok, hold_count={sched.hold_count} qpkt_count={sched.qpkt_count}")


main()
