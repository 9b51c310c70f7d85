//! Connections that a test fault can cut. The listener hands every accepted TCP stream a kill switch and puts the
//! same switch into each request (as `ConnectInfo<ConnHandle>`); once thrown, every read and write on that stream
//! fails, so hyper drops the connection without finishing its answer: the client sees a real network failure.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// The peer address and kill switch of one connection.
#[derive(Debug, Clone)]
pub struct ConnHandle {
    pub peer: SocketAddr,
    kill: Arc<AtomicBool>,
}

impl ConnHandle {
    /// Cuts the connection: its next read or write fails.
    pub fn kill(&self) {
        self.kill.store(true, Ordering::SeqCst);
    }
}

pub struct KillableListener {
    inner: TcpListener,
}

impl KillableListener {
    pub fn new(inner: TcpListener) -> Self {
        Self { inner }
    }
}

impl Listener for KillableListener {
    type Io = KillableStream;
    type Addr = ConnHandle;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.inner.accept().await {
                Ok((stream, peer)) => {
                    if let Err(e) = stream.set_nodelay(true) {
                        tracing::debug!(error = %e, "set_nodelay failed");
                    }
                    let kill = Arc::new(AtomicBool::new(false));
                    return (KillableStream { inner: stream, kill: kill.clone() }, ConnHandle { peer, kill });
                }
                // Too many open files and similar: back off briefly, as axum's own TcpListener impl does.
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(ConnHandle { peer: self.inner.local_addr()?, kill: Arc::new(AtomicBool::new(false)) })
    }
}

impl Connected<IncomingStream<'_, KillableListener>> for ConnHandle {
    fn connect_info(stream: IncomingStream<'_, KillableListener>) -> Self {
        stream.remote_addr().clone()
    }
}

pub struct KillableStream {
    inner: TcpStream,
    kill: Arc<AtomicBool>,
}

impl KillableStream {
    fn killed(&self) -> bool {
        self.kill.load(Ordering::SeqCst)
    }
}

fn reset() -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionReset, "connection cut by an injected fault")
}

/// The most one read takes from a connection. hyper grows a connection's read buffer while reads fill it, up to
/// ~408 KiB, and a request body arrives in chunks of that buffer; axum's `serve` has no setting for hyper's
/// `max_buf_size`. Capping each read keeps the buffer at twice this and an upload's chunks at this size: with 50
/// concurrent uploads, a quarter of the memory (issue 12: emulator RSS ≤ 64 MiB), for chunks that are still large
/// next to the per-chunk work (one blocking write, one MD5 update).
const MAX_READ: usize = 128 << 10;

impl AsyncRead for KillableStream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        if self.killed() {
            return Poll::Ready(Err(reset()));
        }
        if buf.remaining() <= MAX_READ {
            return Pin::new(&mut self.inner).poll_read(cx, buf);
        }
        // As tokio's own `Take` does it: read into the first MAX_READ bytes of the unfilled part, then count them.
        let mut limited = buf.take(MAX_READ);
        let start = limited.filled().as_ptr();
        std::task::ready!(Pin::new(&mut self.inner).poll_read(cx, &mut limited))?;
        if limited.filled().as_ptr() != start {
            return Poll::Ready(Err(io::Error::other("the stream replaced the read buffer")));
        }
        let n = limited.filled().len();
        // SAFETY: `limited` is a view of `buf`'s unfilled part, and the read filled (so initialised) its first `n`
        // bytes in place (the buffer was not swapped: checked above).
        unsafe { buf.assume_init(n) };
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for KillableStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if self.killed() {
            return Poll::Ready(Err(reset()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.killed() {
            return Poll::Ready(Err(reset()));
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
