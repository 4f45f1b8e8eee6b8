//! Where things are: the repository, the built app, the artifacts folder, the local model.
use std::path::PathBuf;

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repo root")
}

/// The release build of the app (`PW_DIST`, else `dist/`); panics with the fix if it is missing.
pub fn dist_dir() -> PathBuf {
    let dir = std::env::var_os("PW_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("dist"));
    assert!(
        dir.join("index.html").is_file(),
        "{} has no index.html: build the app first (scripts/test.sh does: trunk build --release)",
        dir.display()
    );
    dir
}

/// Where screenshots and other test artifacts go (`PW_ARTIFACTS`, else `artifacts/`).
pub fn artifacts_dir() -> PathBuf {
    let dir = std::env::var_os("PW_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("artifacts"));
    std::fs::create_dir_all(&dir).expect("create artifacts dir");
    dir
}

/// The local model's OpenAI-compatible base URL (`PW_LOCAL_MODEL_URL`, else the app's default).
pub fn local_model_url() -> String {
    std::env::var("PW_LOCAL_MODEL_URL").unwrap_or_else(|_| "http://127.0.0.1:8081/v1".to_owned())
}
