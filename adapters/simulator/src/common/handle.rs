//! A simulator running in the background on loopback, whatever the
//! marketplace: its control handle, its address, and a clean stop.

use std::net::SocketAddr;
use std::ops::Deref;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Dereferences to the simulator's control (`SimControl`). Each
/// marketplace's module adds the URLs a client is given.
#[derive(Debug)]
pub struct SimHandle<C> {
    control: C,
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl<C: Clone> SimHandle<C> {
    /// Binds a free port on 127.0.0.1 and serves `router` there.
    pub(crate) async fn start(
        name: &'static str,
        control: C,
        router: Router,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(super::server::run(name, listener, router, async move {
            let _ = stopped.await;
        }));
        Ok(SimHandle {
            control,
            addr,
            stop: Some(stop),
            task,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn control(&self) -> C {
        self.control.clone()
    }

    /// Stops accepting, lets in-flight calls finish, and waits for the server task.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
}

impl<C> Deref for SimHandle<C> {
    type Target = C;

    fn deref(&self) -> &C {
        &self.control
    }
}

impl<C> Drop for SimHandle<C> {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
