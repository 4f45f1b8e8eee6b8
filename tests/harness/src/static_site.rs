//! Serves a built `dist/` folder on 127.0.0.1, optionally under a sub-path, like any static host
//! (optionally with gzip, as real static hosts send it).
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
        Self::serve(ServeDir::new(dir), prefix).await
    }

    /// Like [`start`](Self::start), but a file with a `NAME.gz` beside it goes out as that gzip
    /// (`Content-Encoding: gzip`) to a browser that accepts it, as static hosts send the app.
    /// [`gzip_copy`] makes such a folder.
    pub async fn start_gzip(dir: &Path, prefix: &str) -> std::io::Result<Self> {
        Self::serve(ServeDir::new(dir).precompressed_gzip(), prefix).await
    }

    /// Like [`start`](Self::start), but every `.wasm` goes out as `application/octet-stream`,
    /// as some hosts send it (the page must still start, without streaming compilation).
    pub async fn start_wasm_as_octet_stream(dir: &Path, prefix: &str) -> std::io::Result<Self> {
        let prefix = format!("/{}/", prefix.trim_matches('/')).replace("//", "/");
        let service = ServeDir::new(dir).append_index_html_on_directories(true);
        let app = Router::new()
            .fallback_service(service)
            .layer(axum::middleware::from_fn(octet_wasm));
        Self::listen(app, prefix).await
    }

    async fn serve(service: ServeDir, prefix: &str) -> std::io::Result<Self> {
        let service = service.append_index_html_on_directories(true);
        let prefix = format!("/{}/", prefix.trim_matches('/')).replace("//", "/");
        let app = if prefix == "/" {
            Router::new().fallback_service(service)
        } else {
            Router::new().nest_service(prefix.trim_end_matches('/'), service)
        };
        Self::listen(app, prefix).await
    }

    async fn listen(app: Router, prefix: String) -> std::io::Result<Self> {
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

/// Sets `Content-Type: application/octet-stream` on the answer to any `.wasm` request.
async fn octet_wasm(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let wasm = req.uri().path().ends_with(".wasm");
    let mut res = next.run(req).await;
    if wasm {
        res.headers_mut().insert(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/octet-stream"),
        );
    }
    res
}

impl Drop for StaticSite {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Copies the files of `dist` into `into` (made if missing), each with a `NAME.gz` beside it
/// (gzip level 9, what the bench's size table counts), for [`StaticSite::start_gzip`].
pub fn gzip_copy(dist: &Path, into: &Path) -> std::io::Result<()> {
    use std::io::Write;
    std::fs::create_dir_all(into)?;
    for entry in std::fs::read_dir(dist)? {
        let path = entry?.path();
        if !path.is_file() {
            continue;
        }
        let bytes = std::fs::read(&path)?;
        let name = path.file_name().expect("a file name");
        std::fs::write(into.join(name), &bytes)?;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&bytes)?;
        let mut gz_name = name.to_owned();
        gz_name.push(".gz");
        std::fs::write(into.join(gz_name), gz.finish()?)?;
    }
    Ok(())
}
