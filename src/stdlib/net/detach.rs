//! TCP stream operations that outlive the task waiting for them.
//!
//! A read or a write on a TcpStream takes the stream's half into the operation's future
//! and gets it back with the result. When the waiting task stops first (it was
//! cancelled, its `timeout` expired, a REPL entry was interrupted), that future is
//! dropped midway: `InFlight`'s drop then keeps the operation, still in flight, in the
//! stream's slot for its direction, and the stream's next operation in that direction
//! finishes it first. A read's bytes go to the next read; a write's bytes go out before
//! the next write's. Nothing is cancelled in the kernel, so no byte is lost or sent
//! twice. `close()` drops what is kept (see `tcp::Stream::close_now`).
//!
//! Streams used monoio's Canceller for this before. Its registration of every
//! operation (an insert into a SipHash'd set and a remove) cost a quarter of an echo
//! round trip's user-space instructions.

use monoio::buf::{Slice, SliceMut};
use monoio::io::{AsyncReadRent, AsyncWriteRent};
use monoio::net::tcp::{TcpOwnedReadHalf, TcpOwnedWriteHalf};
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// What a read gives back: the result, the buffer and the half.
pub type ReadDone = (std::io::Result<usize>, SliceMut<Vec<u8>>, TcpOwnedReadHalf);
/// A read in flight.
pub type ReadOp = Pin<Box<dyn Future<Output = ReadDone>>>;
/// What a write gives back: the result, the buffer and the half.
pub type WriteDone<T> = (std::io::Result<usize>, Slice<T>, TcpOwnedWriteHalf);
/// A write in flight.
pub type WriteInFlight<T> = Pin<Box<dyn Future<Output = WriteDone<T>>>>;
/// A write in flight that no task waits for any more: only its half is wanted back.
pub type WriteOp = Pin<Box<dyn Future<Output = TcpOwnedWriteHalf>>>;

/// Starts a read of `half` into `buf`.
pub fn read(mut half: TcpOwnedReadHalf, buf: SliceMut<Vec<u8>>) -> ReadOp {
    Box::pin(async move {
        let (r, buf) = half.read(buf).await;
        (r, buf, half)
    })
}

/// Starts a write of `buf` on `half`.
pub fn write<T: monoio::buf::IoBuf + 'static>(mut half: TcpOwnedWriteHalf, buf: Slice<T>) -> WriteInFlight<T> {
    Box::pin(async move {
        let (r, buf) = half.write(buf).await;
        (r, buf, half)
    })
}

/// An operation in flight, waited for by the running task. Dropped before it
/// finished, it goes to `slot` (as `detach` makes it) unless the stream is closed.
pub struct InFlight<'a, O: 'static, D> {
    slot: &'a RefCell<Option<D>>,
    closed: &'a Cell<bool>,
    op: Option<Pin<Box<dyn Future<Output = O>>>>,
    detach: fn(Pin<Box<dyn Future<Output = O>>>) -> D,
}

impl<'a, O: 'static, D> InFlight<'a, O, D> {
    pub fn new(
        slot: &'a RefCell<Option<D>>,
        closed: &'a Cell<bool>,
        op: Pin<Box<dyn Future<Output = O>>>,
        detach: fn(Pin<Box<dyn Future<Output = O>>>) -> D,
    ) -> Self {
        InFlight { slot, closed, op: Some(op), detach }
    }
}

/// Awaiting an `InFlight` waits for the operation's result. (A `Future` of its own, not
/// an `async fn`: one future level less on every poll of the task.)
impl<O: 'static, D> Future for InFlight<'_, O, D> {
    type Output = O;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<O> {
        let Some(op) = self.op.as_mut() else { unreachable!("an InFlight is not polled after it finished") };
        let out = std::task::ready!(op.as_mut().poll(cx));
        self.op = None;
        Poll::Ready(out)
    }
}

impl<O: 'static, D> Drop for InFlight<'_, O, D> {
    fn drop(&mut self) {
        if let Some(op) = self.op.take()
            && !self.closed.get()
        {
            *self.slot.borrow_mut() = Some((self.detach)(op));
        }
    }
}

/// A write kept after its task stopped: finishing it gives the half back.
pub fn detach_write<T: 'static>(op: WriteInFlight<T>) -> WriteOp {
    Box::pin(async move { op.await.2 })
}
