//! Fixtures shared by the integration tests of several crates. Real parts
//! only: a real `hanout-market` listening on a loopback port.

pub mod pdf;
pub mod services;
pub mod shaper;

use std::net::{SocketAddr, TcpListener as StdListener};

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// An address on loopback that nothing listens on right now: a server
/// that is "down" until [`TestMarket::start_at`] binds it.
pub fn free_addr() -> SocketAddr {
    let listener = StdListener::bind("127.0.0.1:0").expect("bind a loopback port");
    listener.local_addr().expect("local addr")
}

/// A real marketplace server on loopback, stopped on drop.
pub struct TestMarket {
    pub addr: SocketAddr,
    pub market: market::Market,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl TestMarket {
    pub async fn start(market: market::Market) -> TestMarket {
        TestMarket::start_at(market, "127.0.0.1:0".parse().expect("addr")).await
    }

    pub async fn start_at(market: market::Market, addr: SocketAddr) -> TestMarket {
        let listener = TcpListener::bind(addr)
            .await
            .expect("bind the market's address");
        let addr = listener.local_addr().expect("local addr");
        let (stop, stopped) = oneshot::channel::<()>();
        let app = market::app(market.clone());
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
                .expect("market server");
        });
        TestMarket {
            addr,
            market,
            stop: Some(stop),
            task: Some(task),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The public catalog, fetched over HTTP like a buyer would.
    pub async fn catalog(&self) -> protocol::CatalogPage {
        reqwest::get(format!("{}/v1/catalog", self.url()))
            .await
            .expect("GET /v1/catalog")
            .error_for_status()
            .expect("catalog status")
            .json()
            .await
            .expect("catalog json")
    }

    /// Stops the server and waits until its port is closed.
    pub async fn stop(mut self) {
        self.shutdown();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Drop for TestMarket {
    fn drop(&mut self) {
        self.shutdown();
    }
}
