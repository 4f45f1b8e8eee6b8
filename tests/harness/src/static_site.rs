//! Serves a built `dist/` folder on 127.0.0.1, optionally under a sub-path, like any static host.
use std::net::SocketAddr;
use std::path::Path;

use axum::Router;
use tower_http::services::ServeDir;

/// A running static server; stops when dropped.
pub struct StaticSite {
    pub addr: SocketAddr,
    prefix: String,
    task: tokio::task::JoinHandle<()>,
}

impl StaticSite {
    /// Serves `dir` at `prefix` (e.g. `/` or `/promptwright/`) on a free port.
    pub async fn start(dir: &Path, prefix: &str) -> std::io::Result<Self> {
        let service = ServeDir::new(dir).append_index_html_on_directories(true);
        let prefix = format!("/{}/", prefix.trim_matches('/')).replace("//", "/");
        let app = if prefix == "/" {
            Router::new().fallback_service(service)
        } else {
            Router::new().nest_service(prefix.trim_end_matches('/'), service)
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { addr, prefix, task })
    }

    /// The URL of the app's page.
    pub fn url(&self) -> String {
        format!("http://{}{}", self.addr, self.prefix)
    }
}

impl Drop for StaticSite {
    fn drop(&mut self) {
        self.task.abort();
    }
}
