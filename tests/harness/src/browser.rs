//! Headless Chromium through chromedriver, with helpers that find elements by role, label and
//! text (never by CSS class), wait for text instead of sleeping, and save screenshots.
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

/// How long a `wait_*` helper polls before failing.
pub const WAIT: Duration = Duration::from_secs(20);

/// One chromedriver process with one browser session; both end when this is dropped or closed.
pub struct Browser {
    pub client: Client,
    driver: Child,
    /// chromedriver's address (`127.0.0.1:PORT`), for commands fantoccini does not have.
    driver_addr: String,
    _profile: TempDir,
}

/// A throw-away folder (a fresh browser profile per session).
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        kill_browsers_of(&self.0);
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Ends the Chromium processes started on `profile` (`--user-data-dir=<profile>`). Killing
/// chromedriver leaves its browser running: a test that fails before `close` left one Chromium
/// (a dozen processes) behind, and a failing run left hundreds, slowing every test after it.
/// Reads `/proc` (Linux); elsewhere nothing happens.
fn kill_browsers_of(profile: &std::path::Path) {
    let needle = format!("--user-data-dir={}", profile.to_string_lossy());
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name
            .to_str()
            .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
        else {
            continue;
        };
        let Ok(cmd) = std::fs::read(e.path().join("cmdline")) else {
            continue;
        };
        if cmd.split(|b| *b == 0).any(|arg| arg == needle.as_bytes()) {
            let _ = Command::new("kill")
                .args(["-9", pid])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Passed to [`Browser::start_with`]: shows classic scrollbars (they take room in the layout, as
/// on most desktops) instead of hiding them.
pub const SHOW_SCROLLBARS: &str = "pw:show-scrollbars";

/// Chromium's flags for this machine: headless, as root, and quiet on the closed network (no
/// background services, no throttling of a window that is not in front).
pub fn chromium_args(width: u32, height: u32, profile: &str) -> Vec<String> {
    let mut args: Vec<String> = vec![
        "--headless=new".into(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-dev-shm-usage".into(),
        "--disable-quic".into(),
        "--no-first-run".into(),
        "--no-default-browser-check".into(),
        "--disable-background-networking".into(),
        "--disable-background-timer-throttling".into(),
        "--disable-backgrounding-occluded-windows".into(),
        "--disable-renderer-backgrounding".into(),
        "--disable-breakpad".into(),
        "--disable-client-side-phishing-detection".into(),
        "--disable-component-update".into(),
        "--disable-default-apps".into(),
        "--disable-hang-monitor".into(),
        "--disable-ipc-flooding-protection".into(),
        "--disable-prompt-on-repost".into(),
        "--disable-sync".into(),
        "--disable-extensions".into(),
        "--metrics-recording-only".into(),
        "--mute-audio".into(),
        "--password-store=basic".into(),
        "--use-mock-keychain".into(),
        "--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,AutofillServerCommunication,CertificateTransparencyComponentUpdater,InterestFeedContentSuggestions,PrivacySandboxSettings4".into(),
        "--hide-scrollbars".into(),
        format!("--window-size={width},{height}"),
        format!("--user-data-dir={profile}"),
    ];
    if !MEASURING.load(std::sync::atomic::Ordering::Relaxed) {
        // Tests only (less CPU per test on a 2-core machine: shell suite 53-56 s -> 46-49 s, CPU
        // 73-75 s -> 61-64 s): WebAssembly runs in V8's baseline compiler alone (the page's
        // code is the same, compiled once, never recompiled by the optimizing tier), and one
        // renderer process serves every site. Never for the bench, which measures the page as
        // people get it.
        args.extend([
            "--js-flags=--liftoff-only".into(),
            "--disable-site-isolation-trials".into(),
            "--renderer-process-limit=2".into(),
        ]);
    }
    args
}

/// The browser chromedriver starts: `CHROMIUM` when set; else, for tests, Chromium's lighter
/// headless build through `scripts/headless-shell.sh` when Debian's `chromium-headless-shell` is
/// installed at chromedriver's version (the shell suite: 38-56 s -> 22 s, Chromium's CPU about
/// halved); else `/usr/bin/chromium` (always for the bench: the browser people use).
fn browser_binary(driver: &str) -> String {
    if let Ok(b) = std::env::var("CHROMIUM") {
        return b;
    }
    static SHELL: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let shell = SHELL.get_or_init(|| {
        let version = |bin: &str| {
            let out = Command::new(bin).arg("--version").output().ok()?;
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            text.split_whitespace()
                .find(|w| w.chars().next().is_some_and(|c| c.is_ascii_digit()))
                .map(str::to_owned)
        };
        const SHELL_BIN: &str = "/usr/lib/chromium/chromium-headless-shell";
        let shell = version(SHELL_BIN)?;
        (Some(shell) == version(driver)).then(|| {
            crate::paths::repo_root()
                .join("scripts/headless-shell.sh")
                .to_string_lossy()
                .into_owned()
        })
    });
    match shell {
        Some(s) if !MEASURING.load(std::sync::atomic::Ordering::Relaxed) => s.clone(),
        _ => "/usr/bin/chromium".to_owned(),
    }
}

/// Set by the bench ([`measuring`]): browsers start with Chromium's usual compilers and
/// processes, not the lighter test settings of [`chromium_args`].
static MEASURING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Makes every browser started after this call run as people's do (for measurements).
pub fn measuring() {
    MEASURING.store(true, std::sync::atomic::Ordering::Relaxed);
}

impl Browser {
    /// Starts chromedriver and a fresh headless Chromium profile with the given window size.
    pub async fn start(width: u32, height: u32) -> Result<Self> {
        Self::start_with(width, height, &[]).await
    }

    /// A fresh profile (no storage, no key) of the given size on `url`, e.g. a share link; does
    /// not wait for the page.
    pub async fn start_at(width: u32, height: u32, url: &str) -> Result<Self> {
        let b = Self::start(width, height).await?;
        b.client.goto(url).await?;
        Ok(b)
    }

    /// Like [`start`](Self::start), with extra Chromium flags (e.g. `--force-dark-mode`).
    pub async fn start_with(width: u32, height: u32, extra: &[&str]) -> Result<Self> {
        Self::start_full(width, height, extra, None).await
    }

    /// Like [`start`](Self::start), saving downloads into `downloads`.
    pub async fn start_downloading(
        width: u32,
        height: u32,
        downloads: &std::path::Path,
    ) -> Result<Self> {
        Self::start_full(width, height, &[], Some(downloads)).await
    }

    async fn start_full(
        width: u32,
        height: u32,
        extra: &[&str],
        downloads: Option<&std::path::Path>,
    ) -> Result<Self> {
        let driver_bin =
            std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        static PROFILES: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let profile = std::env::temp_dir().join(format!(
            "pw-profile-{}-{}",
            std::process::id(),
            PROFILES.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&profile)?;
        let mut args = chromium_args(width, height, &profile.to_string_lossy());
        // SHOW_SCROLLBARS: classic scrollbars that take room, as on most desktops (a page that
        // sizes something by `100vw` scrolls sideways only then).
        if extra.contains(&SHOW_SCROLLBARS) {
            args.retain(|a| a != "--hide-scrollbars");
        }
        // PW_CHROMIUM_ARGS: more flags, space-separated (for measuring what a flag costs).
        if let Ok(more) = std::env::var("PW_CHROMIUM_ARGS") {
            args.extend(more.split_whitespace().map(str::to_owned));
        }
        args.extend(
            extra
                .iter()
                .filter(|a| **a != SHOW_SCROLLBARS)
                .map(|s| s.to_string()),
        );
        let mut options = json!({
            "binary": browser_binary(&driver_bin),
            "args": args,
        });
        if let Some(dir) = downloads {
            options["prefs"] = json!({
                "download.default_directory": dir.to_string_lossy(),
                "download.prompt_for_download": false,
                "download.directory_upgrade": true,
            });
        }
        // Headless windows cannot be narrower than ~500 px: emulate a phone's viewport instead.
        if width < 600 {
            options["mobileEmulation"] = json!({"deviceMetrics": {"width": width, "height": height, "pixelRatio": 1.0, "touch": true}});
        }
        let mut caps = serde_json::Map::new();
        caps.insert("goog:chromeOptions".into(), options.clone());
        // PW_TEST_TRACE=<dir>: Chrome's trace of the page (layout, style, paint, script; the
        // DevTools timeline's categories) through chromedriver's performance log, written at
        // `close` to `<dir>/<test name>.trace.json`: where a test's browser time goes outside
        // script.
        if std::env::var_os("PW_TEST_TRACE").is_some() {
            caps.insert(
                "goog:loggingPrefs".into(),
                json!({"browser": "ALL", "performance": "ALL"}),
            );
            options["perfLoggingPrefs"] = json!({
                "enableNetwork": false,
                "enablePage": false,
                // `PW_TEST_TRACE_CATEGORIES` replaces them (say, with
                // `disabled-by-default-v8.cpu_profiler` for the page's sampled stacks).
                "traceCategories": std::env::var("PW_TEST_TRACE_CATEGORIES").unwrap_or_else(|_| "devtools.timeline,disabled-by-default-devtools.timeline,v8.execute,blink.user_timing".to_owned()),
            });
            caps.insert("goog:chromeOptions".into(), options.clone());
        } else {
            caps.insert("goog:loggingPrefs".into(), json!({"browser": "ALL"}));
        }
        // A chromedriver that exits at once (its port taken meanwhile: `free_port` lets it go
        // before chromedriver binds it) or never answers on a loaded machine is started again
        // on another port, up to three times (a full run met "did not start a session" once).
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let mut attempt = 0;
        let (client, driver, port) = loop {
            attempt += 1;
            let port = free_port()?;
            let mut driver = Command::new(&driver_bin);
            // `PW_DRIVER_LOG=<dir>`: chromedriver writes every command it serves, with times,
            // to `<dir>/chromedriver-<port>.log` (where a slow test waits).
            if let Ok(dir) = std::env::var("PW_DRIVER_LOG") {
                driver
                    .arg(format!("--log-path={dir}/chromedriver-{port}.log"))
                    .arg("--log-level=INFO");
            }
            let mut driver = driver
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .with_context(|| format!("starting {driver_bin} (run scripts/setup.sh browser)"))?;
            let url = format!("http://127.0.0.1:{port}");
            let deadline = Instant::now() + Duration::from_secs(20);
            let failed = loop {
                match ClientBuilder::new(connector.clone())
                    .capabilities(caps.clone())
                    .connect(&url)
                    .await
                {
                    Ok(c) => break Ok(c),
                    Err(e) if Instant::now() > deadline => break Err(e.to_string()),
                    Err(e) if matches!(driver.try_wait(), Ok(Some(_))) => {
                        break Err(format!("chromedriver exited ({e})"));
                    }
                    Err(_) => tokio::time::sleep(Duration::from_millis(150)).await,
                }
            };
            match failed {
                Ok(c) => break (c, driver, port),
                Err(e) => {
                    let _ = driver.kill();
                    let _ = driver.wait();
                    if attempt >= 3 {
                        bail!("chromedriver on {url} did not start a session (3 tries): {e}");
                    }
                }
            }
        };
        let b = Self {
            client,
            driver,
            driver_addr: format!("127.0.0.1:{port}"),
            _profile: TempDir(profile),
        };
        // Copy buttons write to the clipboard: allowed, as a person's click allows it (the
        // headless shell asks for the permission where the full browser gives it to a focused
        // page).
        b.cdp(
            "Browser.grantPermissions",
            json!({"permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]}),
        )
        .await?;
        // Downloads go to `downloads` (the headless shell reads no download preferences).
        if let Some(dir) = downloads {
            b.cdp(
                "Browser.setDownloadBehavior",
                json!({"behavior": "allow", "downloadPath": dir.to_string_lossy()}),
            )
            .await?;
        }
        Ok(b)
    }

    /// Runs a Chrome DevTools Protocol command (chromedriver's `goog/cdp/execute`), e.g.
    /// `Network.clearBrowserCache`; returns its result.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Result<Value> {
        self.driver_post(
            "goog/cdp/execute",
            json!({"cmd": cmd, "params": params}),
            cmd,
            Duration::from_secs(20),
        )
        .await
    }

    /// The page's console messages logged as errors (`SEVERE`: `console.error`, uncaught
    /// exceptions and unhandled promise rejections) since the last call, as chromedriver's
    /// browser log gives them (`se/log`, which empties it).
    pub async fn console_errors(&self) -> Result<Vec<String>> {
        let log = self
            .driver_post(
                "se/log",
                json!({"type": "browser"}),
                "the browser log",
                Duration::from_secs(20),
            )
            .await?;
        Ok(log
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["level"] == "SEVERE")
            .filter_map(|e| e["message"].as_str().map(str::to_owned))
            .collect())
    }

    /// POSTs `body` to the session's `command` (a path under `/session/<id>/`) on chromedriver,
    /// for commands fantoccini does not have; returns the reply's `value`. `what` names the
    /// command in errors; `limit` is how long chromedriver may take to answer.
    async fn driver_post(
        &self,
        command: &str,
        body: Value,
        what: &str,
        limit: Duration,
    ) -> Result<Value> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let session = self
            .client
            .session_id()
            .await?
            .ok_or_else(|| anyhow!("no WebDriver session"))?;
        let body = body.to_string();
        let path = format!("/session/{session}/{command}");
        let exchange = async {
            let mut stream = tokio::net::TcpStream::connect(&self.driver_addr).await?;
            let head = format!(
                "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                self.driver_addr,
                body.len()
            );
            stream.write_all(head.as_bytes()).await?;
            stream.write_all(body.as_bytes()).await?;
            // Read the head, then exactly Content-Length bytes (the driver may keep the
            // connection open).
            let mut raw = Vec::new();
            let mut buf = [0u8; 4096];
            loop {
                let n = stream.read(&mut buf).await?;
                if n == 0 {
                    break;
                }
                raw.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&raw);
                if let Some(end) = text.find("\r\n\r\n") {
                    let length = text[..end]
                        .lines()
                        .find_map(|l| {
                            let (k, v) = l.split_once(':')?;
                            k.eq_ignore_ascii_case("content-length")
                                .then(|| v.trim().parse::<usize>().ok())?
                        })
                        .unwrap_or(0);
                    if raw.len() >= end + 4 + length {
                        break;
                    }
                }
            }
            anyhow::Ok(String::from_utf8_lossy(&raw).into_owned())
        };
        let text = tokio::time::timeout(limit, exchange)
            .await
            .map_err(|_| anyhow!("{what}: chromedriver did not answer in {limit:?}"))??;
        let (head, rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status_line = head.lines().next().unwrap_or("");
        let reply: Value =
            serde_json::from_str(rest.trim()).with_context(|| format!("{what}: {text}"))?;
        if !status_line.contains(" 200 ") {
            bail!("{what} failed: {status_line} {reply}");
        }
        Ok(reply["value"].clone())
    }

    /// Opens `url` and waits until the app has rendered its shell.
    pub async fn open_app(&self, url: &str) -> Result<()> {
        self.client.goto(url).await?;
        self.wait_for_role_name("heading", "Promptwright").await?;
        // PW_TEST_PROFILE=<dir>: the page's CPU profile (Chrome's Profiler) from here to `close`,
        // written to `<dir>/<test name>.cpuprofile`: where a test's browser time goes.
        if std::env::var_os("PW_TEST_PROFILE").is_some() {
            self.cdp("Profiler.enable", json!({})).await?;
            self.cdp("Profiler.start", json!({})).await?;
        }
        Ok(())
    }

    /// Runs a script in the page and returns its value.
    pub async fn eval(&self, script: &str) -> Result<Value> {
        Ok(self.client.execute(script, vec![]).await?)
    }

    /// Runs `script`, which returns a list of texts, and gives them (anything else in the list
    /// is passed over; a result that is not a list is no text).
    pub async fn eval_strings(&self, script: &str) -> Result<Vec<String>> {
        let v = self.eval(script).await?;
        Ok(v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// The elements on screen that `elements` (a CSS selector) finds and `shown` (a JavaScript
    /// expression of the element `s`, `null` to pass it over) gives a text that does not fit in
    /// them: measured in the element's own font against its room for text (its width less its
    /// padding), each as "name: “text” needs N px, has M px".
    async fn cut_texts(&self, elements: &str, shown: &str) -> Result<Vec<String>> {
        self.eval_strings(&format!(
            "const out = []; const cv = document.createElement('canvas').getContext('2d');
             for (const s of document.querySelectorAll('{elements}')) {{
               if (!s.offsetParent) continue;
               const text = {shown}; if (text === null) continue;
               const cs = getComputedStyle(s);
               cv.font = `${{cs.fontStyle}} ${{cs.fontWeight}} ${{cs.fontSize}} ${{cs.fontFamily}}`;
               const need = cv.measureText(text).width;
               const has = s.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
               if (need > has + 0.5) out.push(`${{s.id || s.name || s.getAttribute('aria-label')}}: \\u201c${{text}}\\u201d needs ${{Math.ceil(need)}} px, has ${{Math.floor(has)}} px`);
             }}
             return out;"
        ))
        .await
    }

    /// The dropdowns on screen whose chosen option does not fit in them (its text, measured in
    /// the select's own font, is wider than the select's room for text, arrow excluded), each
    /// as "id: “text” needs N px, has M px". Empty when every label shows whole.
    pub async fn cut_selects(&self) -> Result<Vec<String>> {
        self.cut_texts(
            "select",
            "s.options[s.selectedIndex] ? s.options[s.selectedIndex].text.trim() : null",
        )
        .await
    }

    /// The empty one-line fields on screen whose placeholder does not fit in them (measured in
    /// the field's own font against its room for text), each as "id: “text” needs N px, has M
    /// px" (tryout 120: the key box's "Not needed for most local servers" was cut at 390 px).
    /// Empty when every placeholder shows whole.
    pub async fn cut_placeholders(&self) -> Result<Vec<String>> {
        self.cut_texts(
            "input[placeholder]",
            "s.value === '' && s.placeholder.trim() ? s.placeholder : null",
        )
        .await
    }

    /// Polls until an element with this ARIA role and accessible name (exact, trimmed) exists.
    pub async fn wait_for_role_name(&self, role: &str, name: &str) -> Result<Element> {
        let locator = role_xpath(role, name);
        self.wait_for(&locator, &format!("{role} named {name:?}"))
            .await
    }

    /// Polls until a button with this visible text or aria-label exists.
    pub async fn button(&self, name: &str) -> Result<Element> {
        self.wait_for_role_name("button", name).await
    }

    /// Clicks the button named `name`, finding it again when the page redrew it between finding
    /// and clicking (a panel rebuilt as its state settles, as a person's click would land on the
    /// new one).
    pub async fn click_button(&self, name: &str) -> Result<()> {
        let mut tries = 0;
        loop {
            let button = self.button(name).await?;
            match button.clone().click().await {
                Ok(()) => return Ok(()),
                Err(e) if tries < 5 && e.to_string().contains("stale element") => {
                    tries += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                // Scrolled to the window's edge, it sat under a notice that floats there (a
                // toast): brought to the middle first, as a person scrolls to what they press.
                Err(e) if tries < 5 && e.to_string().contains("click intercepted") => {
                    tries += 1;
                    self.client
                        .execute(
                            "arguments[0].scrollIntoView({block: 'center'}); return 0",
                            vec![serde_json::to_value(&button)?],
                        )
                        .await?;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Polls until a button with any of these names exists (for a label that changes with state).
    pub async fn button_any(&self, names: &[&str]) -> Result<Element> {
        let xpath = names
            .iter()
            .map(|n| role_xpath("button", n))
            .collect::<Vec<_>>()
            .join(" | ");
        self.wait_for(&xpath, &format!("a button named one of {names:?}"))
            .await
    }

    /// Polls until a form control labelled with any of these labels exists.
    pub async fn field_any(&self, labels: &[&str]) -> Result<Element> {
        let xpath = labels
            .iter()
            .map(|l| field_xpath(l))
            .collect::<Vec<_>>()
            .join(" | ");
        self.wait_for(&xpath, &format!("a field labelled one of {labels:?}"))
            .await
    }

    /// Polls until a form control named `label` exists: by its `aria-label` when it has one (that
    /// is its accessible name), else by the text of its `<label for>`.
    pub async fn field(&self, label: &str) -> Result<Element> {
        self.wait_for(&field_xpath(label), &format!("field labelled {label:?}"))
            .await
    }

    /// Types `text` into the empty field labelled `label`, finding it again when the page
    /// redrew it between finding and typing (a case editor that opens and settles): a second
    /// try selects what the field holds first, so what a redrawn field kept is typed over, not
    /// added to. For fields that start empty.
    pub async fn type_into(&self, label: &str, text: &str) -> Result<()> {
        let mut tries = 0;
        loop {
            let typed = if tries == 0 {
                text.to_owned()
            } else {
                format!("\u{E009}a\u{E000}{text}")
            };
            match self.field(label).await?.type_text(&typed).await {
                Ok(()) => return Ok(()),
                Err(e) if tries < 5 && e.to_string().contains("stale element") => {
                    tries += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Clicks the label of a radio button or checkbox, as a person would.
    pub async fn choose(&self, label: &str) -> Result<()> {
        let xpath = format!("//label[normalize-space(.)={}]", xpath_literal(label));
        self.wait_for(&xpath, &format!("option {label:?}"))
            .await?
            .click()
            .await?;
        Ok(())
    }

    /// Polls until some element's visible text contains `text`.
    pub async fn wait_for_text(&self, text: &str) -> Result<Element> {
        let xpath = format!(
            "//body//*[contains(normalize-space(.), {})][not(*[contains(normalize-space(.), {})])]",
            xpath_literal(text),
            xpath_literal(text)
        );
        // The XPath works out every element's whole text (its descendants' too) on each try:
        // on a long page, many times the page's text ten times a second, most of a test's
        // browser CPU while it waits. The page's text with whitespace collapsed as
        // `normalize-space` does (XML whitespace only) holds every element's, so the XPath is
        // tried only once the text is somewhere on the page.
        let present = format!(
            "return (document.body?.textContent ?? '').replace(/[ \\t\\r\\n]+/g, ' ').includes({})",
            serde_json::to_string(text)?
        );
        self.wait_for_where(&xpath, &format!("text {text:?}"), Some(&present))
            .await
    }

    async fn wait_for(&self, xpath: &str, what: &str) -> Result<Element> {
        self.wait_for_where(xpath, what, None).await
    }

    /// Polls for `xpath`; with `present`, a script that returns whether looking is worth it
    /// (cheaper than the XPath), the XPath is tried only when it returns true.
    async fn wait_for_where(
        &self,
        xpath: &str,
        what: &str,
        present: Option<&str>,
    ) -> Result<Element> {
        let deadline = Instant::now() + WAIT;
        loop {
            let worth_it = match present {
                Some(script) => !matches!(self.eval(script).await, Ok(Value::Bool(false))),
                None => true,
            };
            if worth_it {
                if let Ok(e) = self.client.find(Locator::XPath(xpath)).await {
                    return Ok(e);
                }
            }
            if Instant::now() > deadline {
                let body = self
                    .eval("return document.body.innerText")
                    .await
                    .unwrap_or_default();
                return Err(anyhow!(
                    "no {what} after {WAIT:?}; the page says:\n{}",
                    body.as_str().unwrap_or("")
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the cards below the prompt (Versions, Test cases, Results, Improve, Share)
    /// are drawn: they come in a wasm chunk of their own, a moment after the top of the page
    /// (a text waited for may be in a banner above them: CI, session 45).
    pub async fn wait_below_prompt(&self) -> Result<()> {
        self.wait_until(
            "return !!document.querySelector('.pw-card--cases')",
            "the cards below the prompt",
        )
        .await
    }

    /// Polls until `script` returns true.
    pub async fn wait_until(&self, script: &str, what: &str) -> Result<()> {
        let deadline = Instant::now() + WAIT;
        let mut last_error = String::new();
        loop {
            // A script error (say, an element missing while the page reloads)
            // means "not yet"; the last one is reported if time runs out.
            match self.eval(script).await {
                Ok(Value::Bool(true)) => return Ok(()),
                Ok(_) => {}
                Err(e) => last_error = format!(" (last script error: {e})"),
            }
            if Instant::now() > deadline {
                // The crash overlay keeps the panic message folded away: show it too.
                let body = self
                    .eval("return document.body.innerText + (document.querySelector('.pw-crash pre')?.textContent ?? '')")
                    .await
                    .unwrap_or_default();
                bail!(
                    "timed out waiting for {what}{last_error}; the page says:\n{}",
                    body.as_str().unwrap_or("")
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Scrolls the first element matching `selector` to the top of the window, then saves a screenshot.
    pub async fn screenshot_at(&self, selector: &str, name: &str) -> Result<std::path::PathBuf> {
        self.eval(&format!(
            "document.querySelector({})?.scrollIntoView({{block: 'start'}}); return true",
            serde_json::to_string(selector)?
        ))
        .await?;
        tokio::time::sleep(Duration::from_millis(150)).await;
        self.screenshot(name).await
    }

    /// Saves a PNG screenshot of the page into the artifacts folder.
    pub async fn screenshot(&self, name: &str) -> Result<std::path::PathBuf> {
        let png = self.client.screenshot().await?;
        let path = crate::paths::artifacts_dir().join(format!("{name}.png"));
        std::fs::write(&path, png)?;
        Ok(path)
    }

    /// Pastes `text` into the focused field, as Ctrl+V does: one `input` event for the whole
    /// text, replacing the selection (the DevTools protocol's `Input.insertText`). Typing a long
    /// reply key by key instead costs the page one event and one redraw per character (a 2 KB
    /// reply: several seconds of the browser's CPU).
    pub async fn paste(&self, text: &str) -> Result<()> {
        self.cdp("Input.insertText", json!({ "text": text }))
            .await?;
        Ok(())
    }

    /// Sends a key to the focused element (e.g. `"\u{E00C}"` for Escape).
    pub async fn press(&self, key: &str) -> Result<()> {
        // The focused element can be redrawn between finding it and typing (a field the page
        // re-renders as focus settles): find it again, as the keyboard itself would follow focus.
        let mut tries = 0;
        loop {
            let active = self.client.active_element().await?;
            match active.send_keys(key).await {
                Ok(()) => return Ok(()),
                Err(e) if tries < 5 && e.to_string().contains("stale element") => {
                    tries += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Ends the session and chromedriver.
    pub async fn close(mut self) -> Result<()> {
        if let Some(dir) = std::env::var_os("PW_TEST_PROFILE") {
            if let Ok(p) = self.cdp("Profiler.stop", json!({})).await {
                let name = std::thread::current()
                    .name()
                    .unwrap_or("test")
                    .replace("::", "-");
                let _ = std::fs::write(
                    std::path::Path::new(&dir).join(format!("{name}.cpuprofile")),
                    serde_json::to_string(&p["profile"]).unwrap_or_default(),
                );
            }
        }
        if let Some(dir) = std::env::var_os("PW_TEST_TRACE") {
            let name = std::thread::current()
                .name()
                .unwrap_or("test")
                .replace("::", "-");
            let log = self
                .driver_post(
                    "se/log",
                    json!({"type": "performance"}),
                    "the performance log",
                    Duration::from_secs(300),
                )
                .await;
            if let Err(e) = &log {
                eprintln!("PW_TEST_TRACE: {e:#}");
            }
            if let Ok(log) = log {
                let events: Vec<Value> = log
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|e| serde_json::from_str::<Value>(e["message"].as_str()?).ok())
                    .filter(|m| m["message"]["method"] == "Tracing.dataCollected")
                    .map(|m| m["message"]["params"].clone())
                    .collect();
                let _ = std::fs::write(
                    std::path::Path::new(&dir).join(format!("{name}.trace.json")),
                    serde_json::to_string(&json!({"traceEvents": events})).unwrap_or_default(),
                );
            }
        }
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        Ok(())
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}

/// XPath for an element with an ARIA role (explicit, or implied by its tag) and accessible name.
pub fn role_xpath(role: &str, name: &str) -> String {
    let tags: &[&str] = match role {
        "button" => &["button"],
        "heading" => &["h1", "h2", "h3", "h4"],
        "link" => &["a"],
        "dialog" => &[],
        "textbox" => &["textarea", "input"],
        _ => &[],
    };
    let mut kinds = vec![format!("@role='{role}'")];
    kinds.extend(tags.iter().map(|t| format!("self::{t}")));
    let q = xpath_literal(name);
    // `id()` looks the labelling elements up once; a comparison with a path (`@aria-labelledby
    // = //*[…]/@id`) is evaluated again for every candidate, with or without the attribute:
    // 1.4 s per poll on a page of 1,900 elements and 190 buttons, which kept the browser busy
    // while a test waited.
    let named = format!(
        "normalize-space(@aria-label)={q} or normalize-space(.)={q} or @aria-labelledby and @aria-labelledby = id(@aria-labelledby)[normalize-space(.)={q}]/@id"
    );
    format!("//*[({})][{named}]", kinds.join(" or "))
}

/// XPath for a form control named `label`: its `aria-label`, else the text of its `<label
/// for>` (looked up once with `id()`, not once per control).
pub fn field_xpath(label: &str) -> String {
    let q = xpath_literal(label);
    let control = "self::input or self::textarea or self::select";
    format!(
        "//*[{control}][@aria-label={q}] | id(//label[normalize-space(.)={q}]/@for)[{control}][not(@aria-label)]"
    )
}

/// Quotes a string for XPath 1.0 (which has no escape sequences).
pub fn xpath_literal(s: &str) -> String {
    if !s.contains('\'') {
        format!("'{s}'")
    } else if !s.contains('"') {
        format!("\"{s}\"")
    } else {
        let parts: Vec<String> = s.split('\'').map(|p| format!("'{p}'")).collect();
        format!("concat({})", parts.join(", \"'\", "))
    }
}

/// The WebDriver key code for Escape.
pub const ESCAPE: &str = "\u{E00C}";

/// Typing into a text field for less of the browser's CPU than a keystroke per character: a
/// key costs the page 3-6 ms of its main thread (keydown, keypress, textInput, input, keyup and
/// a redraw; measured in the optimize suite's trace: 357 keys, 2.2 s) and chromedriver three
/// DevTools round trips. Tests whose subject is key-by-key typing keep [`Element::send_keys`].
#[allow(async_fn_in_trait)]
pub trait TypeText {
    /// Types `text` as [`Element::send_keys`] does (WebDriver key codes such as `SELECT_ALL`
    /// and `TAB` included), except that the middle of each run of [`INSERTED_RUN`] or more
    /// plain characters typed with no modifier held goes in as one insertion
    /// (`document.execCommand('insertText')`: one `beforeinput` and one `input` event of type
    /// `insertText`, as an input method or a paste gives) between its first and last
    /// characters, which are keystrokes (the first one focuses the field). Line breaks and tabs
    /// are always keys. Errors: as `send_keys`'.
    async fn type_text(&self, text: &str) -> Result<()>;
}

/// The shortest run of plain characters [`TypeText::type_text`] inserts rather than types.
pub const INSERTED_RUN: usize = 6;

/// One step of [`TypeText::type_text`]: keys for `send_keys`, or text to insert at the caret.
#[derive(Debug, PartialEq)]
enum Typing {
    Keys(String),
    Insert(String),
}

/// Splits `text` into [`Typing`] steps (see [`TypeText::type_text`]). WebDriver's key codes
/// are the private-use characters U+E000..U+F8FF; Shift, Control, Alt and Meta (U+E008..U+E00A,
/// U+E03D, U+E050..U+E053) stay held until NULL (U+E000) or the end of the text.
fn typing_plan(text: &str) -> Vec<Typing> {
    fn push_keys(plan: &mut Vec<Typing>, s: &str) {
        if s.is_empty() {
            return;
        }
        match plan.last_mut() {
            Some(Typing::Keys(k)) => k.push_str(s),
            _ => plan.push(Typing::Keys(s.to_owned())),
        }
    }
    fn flush(plan: &mut Vec<Typing>, run: &mut Vec<char>) {
        if run.len() >= INSERTED_RUN {
            push_keys(plan, &run[0].to_string());
            plan.push(Typing::Insert(run[1..run.len() - 1].iter().collect()));
            push_keys(plan, &run[run.len() - 1].to_string());
        } else {
            push_keys(plan, &run.iter().collect::<String>());
        }
        run.clear();
    }
    let mut plan = Vec::new();
    let mut run = Vec::new();
    let mut held = false;
    for c in text.chars() {
        let key = ('\u{E000}'..='\u{F8FF}').contains(&c);
        if key {
            if c == '\u{E000}' {
                flush(&mut plan, &mut run);
                push_keys(&mut plan, &c.to_string());
                held = false;
                continue;
            }
            if matches!(c, '\u{E008}'..='\u{E00A}' | '\u{E03D}' | '\u{E050}'..='\u{E053}') {
                flush(&mut plan, &mut run);
                held = true;
            }
        }
        if key || held || matches!(c, '\n' | '\r' | '\t') {
            flush(&mut plan, &mut run);
            push_keys(&mut plan, &c.to_string());
        } else {
            run.push(c);
        }
    }
    flush(&mut plan, &mut run);
    plan
}

impl TypeText for Element {
    async fn type_text(&self, text: &str) -> Result<()> {
        for step in typing_plan(text) {
            match step {
                Typing::Keys(k) => self.send_keys(&k).await?,
                Typing::Insert(t) => {
                    let done = self
                        .clone()
                        .client()
                        .execute(
                            "return document.activeElement === arguments[1] && document.execCommand('insertText', false, arguments[0]);",
                            vec![json!(t), serde_json::to_value(self)?],
                        )
                        .await?;
                    if done != Value::Bool(true) {
                        // Not focused or not editable: type it, as send_keys would.
                        self.send_keys(&t).await?;
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod typing_tests {
    use super::{Typing, typing_plan};

    #[test]
    fn runs_of_plain_characters_are_inserted_between_two_keys() {
        let keys = |s: &str| Typing::Keys(s.to_owned());
        let insert = |s: &str| Typing::Insert(s.to_owned());
        // Select all (Control held from U+E009 to NULL), a run, a Tab.
        assert_eq!(
            typing_plan("\u{E009}a\u{E000}a bot that pulls\u{E004}"),
            vec![
                keys("\u{E009}a\u{E000}a"),
                insert(" bot that pull"),
                keys("s\u{E004}")
            ]
        );
        // Short runs, line breaks and held modifiers are keys.
        assert_eq!(typing_plan("150\u{E004}"), vec![keys("150\u{E004}")]);
        assert_eq!(
            typing_plan("line one\nline"),
            vec![keys("l"), insert("ine on"), keys("e\nline")]
        );
        assert_eq!(
            typing_plan("\u{E008}shifted text"),
            vec![keys("\u{E008}shifted text")]
        );
        assert_eq!(
            typing_plan("é😀abcdé"),
            vec![keys("é"), insert("😀abcd"), keys("é")]
        );
        assert_eq!(typing_plan(""), vec![]);
    }
}
