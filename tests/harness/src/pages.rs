//! Page objects: one per screen, acting the way a person does (labels, roles, visible text).
use anyhow::{Result, bail};
use fantoccini::elements::Element;
use serde_json::json;

use crate::browser::{Browser, TypeText};

/// The WebDriver key for Tab (moves focus, which fires `change` on the field left).
pub const TAB: &str = "\u{E004}";
/// Ctrl+A, then release the modifier (WebDriver's NULL key).
pub const SELECT_ALL: &str = "\u{E009}a\u{E000}";

/// The Settings drawer.
pub struct SettingsPage<'a> {
    pub b: &'a Browser,
}

impl<'a> SettingsPage<'a> {
    /// Opens Settings from the header.
    pub async fn open(b: &'a Browser) -> Result<Self> {
        if b.client
            .find(fantoccini::Locator::Css("[role=dialog]"))
            .await
            .is_err()
        {
            b.button("Settings").await?.click().await?;
        }
        b.wait_for_role_name("dialog", "Settings").await?;
        Ok(Self { b })
    }

    /// Picks the job tab ("Writing prompts", "Running tests", "Scoring").
    pub async fn job(&self, tab: &str) -> Result<()> {
        let t = self.b.wait_for_role_name("tab", tab).await?;
        // Scrolled down, the tabs may sit under the drawer's sticky header: bring them out first,
        // as a person scrolls up to them.
        self.b
            .client
            .execute(
                "arguments[0].scrollIntoView({block: 'center'}); return 0",
                vec![serde_json::to_value(&t)?],
            )
            .await?;
        t.click().await?;
        Ok(())
    }

    pub async fn provider(&self, label: &str) -> Result<()> {
        self.b
            .field("Provider")
            .await?
            .select_by_label(label)
            .await?;
        Ok(())
    }

    /// Replaces a text field's value and leaves it (so `change` fires).
    pub async fn fill(&self, label: &str, value: &str) -> Result<Element> {
        let f = self.b.field(label).await?;
        // Select all and type over it, as a person would (clearing first would fire `change`);
        // an empty value is a Backspace over the selection.
        let value = if value.is_empty() { "\u{E003}" } else { value };
        f.type_text(&format!("{SELECT_ALL}{value}{TAB}")).await?;
        Ok(f)
    }

    pub async fn base_url(&self, url: &str) -> Result<()> {
        self.fill("Address (base URL)", url).await?;
        Ok(())
    }

    /// Types the key into the API key field (its label may say "(optional)").
    pub async fn key(&self, key: &str) -> Result<()> {
        let f = self.b.field_any(&["API key", "API key (optional)"]).await?;
        f.type_text(&format!("{SELECT_ALL}{key}")).await?;
        Ok(())
    }

    pub async fn model(&self, model: &str) -> Result<()> {
        self.fill("Model", model).await?;
        Ok(())
    }

    pub async fn stall_seconds(&self, s: u32) -> Result<()> {
        self.fill("Give up on a silent reply after (seconds)", &s.to_string())
            .await?;
        Ok(())
    }

    pub async fn test_connection(&self) -> Result<()> {
        self.b.button("Test connection").await?.click().await?;
        Ok(())
    }

    pub async fn send_test(&self) -> Result<()> {
        self.b.button("Send a test message").await?.click().await?;
        Ok(())
    }

    /// Waits for the model's reply box to contain `text`.
    pub async fn wait_reply(&self, text: &str) -> Result<String> {
        self.b
            .wait_until(
                &format!(
                    "const o = document.querySelector('.pw-output__text'); return !!o && o.textContent.includes({})",
                    serde_json::to_string(text)?
                ),
                &format!("the reply to contain {text:?}"),
            )
            .await?;
        Ok(self
            .b
            .eval("return document.querySelector('.pw-output__text').textContent")
            .await?
            .as_str()
            .unwrap_or("")
            .to_owned())
    }

    /// Waits for an error notice whose title is `title`; returns its title and message.
    pub async fn wait_error(&self, title: &str) -> Result<String> {
        // The person's own Stop is a plain status (`pw-notice--stopped`), any other failure an alert.
        let read = "const a = document.querySelector('.pw-drawer [role=alert], .pw-drawer .pw-notice--stopped'); \
            return a ? a.querySelector('.pw-notice__title').textContent + ' — ' + a.querySelector('.pw-notice__text').textContent : ''";
        let deadline = std::time::Instant::now() + crate::browser::WAIT;
        loop {
            let text = self.b.eval(read).await?.as_str().unwrap_or("").to_owned();
            if text.starts_with(title) {
                return Ok(text);
            }
            if std::time::Instant::now() > deadline {
                bail!("expected an error titled {title:?}, the page shows {text:?}");
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    /// Presses the Retry button of the error notice.
    pub async fn retry(&self) -> Result<()> {
        self.b.button("Retry").await?.click().await?;
        Ok(())
    }

    pub async fn close(&self) -> Result<()> {
        self.b.button("Close settings").await?.click().await?;
        Ok(())
    }

    /// Opens Settings, gives each job (by its tab: "Running tests"…) its model, and closes it.
    pub async fn set_models(b: &'a Browser, jobs: &[(&str, &str)]) -> Result<()> {
        let s = Self::open(b).await?;
        for (job, model) in jobs {
            s.job(job).await?;
            s.model(model).await?;
        }
        s.close().await
    }

    /// Points all three jobs at an OpenAI-compatible address (e.g. the fake provider) and model.
    pub async fn use_everywhere(b: &'a Browser, base_url: &str, model: &str) -> Result<()> {
        let s = Self::open(b).await?;
        for tab in ["Writing prompts", "Running tests", "Scoring"] {
            s.job(tab).await?;
            s.provider("OpenAI-compatible server").await?;
            s.base_url(base_url).await?;
            s.model(model).await?;
        }
        s.close().await
    }
}

/// The idea and prompt part of the work area.
pub struct PromptPage<'a> {
    pub b: &'a Browser,
}

impl<'a> PromptPage<'a> {
    pub fn new(b: &'a Browser) -> Self {
        Self { b }
    }

    /// Types `text` over the idea. The field found went stale once right after the app started
    /// (a fresh run of session 46, `the_loop_survives_a_reload_and_a_pause`: "stale element";
    /// the cause was not found): it is then found again and typed over as a whole, up to three
    /// times.
    pub async fn idea(&self, text: &str) -> Result<()> {
        let mut tries = 0;
        loop {
            let f = self.b.field("What should your assistant do?").await?;
            match f.type_text(&format!("{SELECT_ALL}{text}")).await {
                Err(e) if tries < 3 && e.to_string().contains("stale element") => tries += 1,
                done => return done,
            }
        }
    }

    /// Makes a version without any provider: the idea, then a reply pasted in manual mode.
    pub async fn paste_reply(&self, idea: &str, reply: &str) -> Result<()> {
        self.idea(idea).await?;
        self.paste_in_manual_mode(reply).await?;
        self.b
            .wait_for_text("Read the reply: your prompt is below.")
            .await?;
        self.b
            .button("No API access? Manual mode")
            .await?
            .click()
            .await?;
        Ok(())
    }

    /// Opens Manual mode, pastes `reply` over what its reply box holds, as a person does with a
    /// reply copied from a chat window, and presses *Use this reply*.
    pub async fn paste_in_manual_mode(&self, reply: &str) -> Result<()> {
        self.b
            .button("No API access? Manual mode")
            .await?
            .click()
            .await?;
        self.b
            .field("3. Paste the reply here")
            .await?
            .type_text(SELECT_ALL)
            .await?;
        self.b.paste(reply).await?;
        self.b.button("Use this reply").await?.click().await?;
        Ok(())
    }

    pub async fn generate(&self) -> Result<()> {
        self.b
            .button_any(&["Generate prompt", "Generate again"])
            .await?
            .click()
            .await?;
        Ok(())
    }

    /// The text of a section's editor ("Persona", "Steps", …).
    pub async fn section(&self, title: &str) -> Result<String> {
        Ok(self
            .b
            .field(title)
            .await?
            .prop("value")
            .await?
            .unwrap_or_default())
    }

    /// The five editors read back into a prompt, the way the page reads an edited section.
    pub async fn spec(&self) -> Result<promptwright::domain::spec::PromptSpec> {
        use promptwright::domain::spec::{PromptSpec, Section};
        let mut spec = PromptSpec::default();
        for s in Section::ALL {
            spec.set_section_text(s, &self.section(s.title()).await?);
        }
        Ok(spec)
    }

    /// Waits until the version list shows version `n`.
    pub async fn wait_version(&self, n: u32) -> Result<()> {
        self.b
            .wait_until(
                &format!("return Array.from(document.querySelectorAll('.pw-versions__num')).some(e => e.textContent === 'v{n}')"),
                &format!("version v{n}"),
            )
            .await
    }

    /// The description of the current version.
    pub async fn current_version(&self) -> Result<String> {
        // '' means "no version" only once the Versions card is drawn.
        self.b.wait_below_prompt().await?;
        let v = self
            .b
            .eval("const c = document.querySelector('.pw-versions__item--current'); return c ? c.querySelector('.pw-versions__num').textContent + ' ' + c.querySelector('.pw-versions__what').textContent : ''")
            .await?;
        Ok(v.as_str().unwrap_or("").to_owned())
    }

    pub async fn final_text(&self) -> Result<String> {
        Ok(self
            .b
            .field("The final system prompt")
            .await?
            .prop("value")
            .await?
            .unwrap_or_default())
    }

    /// Waits until the generator is idle (no Stop button in the idea card).
    pub async fn wait_idle(&self) -> Result<()> {
        self.b
            .wait_until(
                "return !Array.from(document.querySelectorAll('.pw-card--idea button')).some(b => b.textContent === 'Stop')",
                "the generation to end",
            )
            .await
    }
}

/// The drafts drawer.
pub struct DraftsPage<'a> {
    pub b: &'a Browser,
}

impl<'a> DraftsPage<'a> {
    pub async fn open(b: &'a Browser) -> Result<Self> {
        if b.client
            .find(fantoccini::Locator::Css(
                "[aria-labelledby=pw-drafts-title]",
            ))
            .await
            .is_err()
        {
            b.button("Drafts").await?.click().await?;
        }
        b.wait_for_role_name("dialog", "Your drafts").await?;
        Ok(Self { b })
    }

    /// The names in the list, in order.
    pub async fn names(&self) -> Result<Vec<String>> {
        self.b
            .eval_strings("return Array.from(document.querySelectorAll('.pw-draft-list__name')).map(e => e.textContent)")
            .await
    }

    /// Waits until the list has exactly `n` drafts.
    pub async fn wait_count(&self, n: usize) -> Result<()> {
        self.b
            .wait_until(
                &format!("return document.querySelectorAll('.pw-draft-list__item').length === {n}"),
                &format!("{n} drafts in the list"),
            )
            .await
    }

    pub async fn close(&self) -> Result<()> {
        self.b.button("Close drafts").await?.click().await?;
        Ok(())
    }

    /// Opens the first draft of the list that is not the open one (its name must differ from
    /// the open one's), waits until the list shows it open, and closes the drawer.
    pub async fn open_other(b: &'a Browser) -> Result<()> {
        // By name: a save moves a draft's time (and its place in the list), not its name.
        const OPEN: &str = "document.querySelector('.pw-draft-list__item--current .pw-draft-list__name')?.textContent ?? ''";
        Self::open(b).await?;
        let before = b.eval(&format!("return {OPEN}")).await?;
        let wanted = b
            .eval("const e = document.querySelector('.pw-draft-list__open:not([aria-current])'); const n = e.querySelector('.pw-draft-list__name').textContent; e.click(); return n")
            .await?;
        anyhow::ensure!(
            wanted != before,
            "the other draft has the open one's name ({before}): open it by hand"
        );
        for _ in 0..100 {
            Self::open(b).await?;
            let now = b.eval(&format!("return {OPEN}")).await?;
            if now == wanted {
                b.eval(
                    "document.querySelector('[aria-label=\"Close drafts\"]')?.click(); return 1",
                )
                .await?;
                return Ok(());
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        anyhow::bail!("the draft {wanted} did not open")
    }
}

/// The test cases card.
pub struct CasesPage<'a> {
    pub b: &'a Browser,
}

impl<'a> CasesPage<'a> {
    pub fn new(b: &'a Browser) -> Self {
        Self { b }
    }

    /// Types `n` into "At once" (the calls sent at a time to each host) and leaves the field.
    pub async fn set_at_once(&self, n: u32) -> Result<()> {
        self.b
            .field("At once")
            .await?
            .type_text(&format!("{SELECT_ALL}{n}{TAB}"))
            .await?;
        Ok(())
    }

    /// Makes open case `n` a conversation: "Add earlier turns", then `user`'s turn and the
    /// assistant's `reply` after it.
    pub async fn add_earlier_turns(&self, n: u32, user: &str, reply: &str) -> Result<()> {
        self.b
            .button(&format!("Add earlier turns to case #{n}"))
            .await?
            .click()
            .await?;
        self.b
            .field(&format!("Turn 1 of case #{n}: User"))
            .await?
            .type_text(user)
            .await?;
        self.b
            .button(&format!("Add an assistant turn to case #{n}"))
            .await?
            .click()
            .await?;
        self.b
            .field(&format!("Turn 2 of case #{n}: Assistant"))
            .await?
            .type_text(reply)
            .await?;
        Ok(())
    }

    /// Adds case `n` (the next one) with an input, and a "contains all of" check when given.
    pub async fn add(&self, n: u32, input: &str, must_contain: Option<&str>) -> Result<()> {
        self.b.button("Add case").await?.click().await?;
        // The editor opens and settles as the case is stored: typed into again if redrawn
        // (a full run once met "stale element" here).
        self.b
            .type_into(&format!("Input of case #{n}"), input)
            .await?;
        if let Some(want) = must_contain {
            self.b
                .click_button("Add check to checks for this case")
                .await?;
            self.b
                .type_into(
                    &format!("Contains all of (case #{n}, check 1), one per line"),
                    &format!("{want}{TAB}"),
                )
                .await?;
        }
        Ok(())
    }

    /// Adds a check for every case of the kind labelled `kind` (e.g. "Judge with a rubric").
    pub async fn add_global(&self, kind: &str) -> Result<()> {
        self.b
            .field("Kind of check to add (Checks for every case)")
            .await?
            .select_by_label(kind)
            .await?;
        self.b
            .button("Add check to checks for every case")
            .await?
            .click()
            .await?;
        Ok(())
    }

    /// Adds a judge rubric for every case (it is check `index` of the list, from 1).
    /// Adds a "matches pattern (regex)" check with `pattern` to case `n`, whose editor is open,
    /// as its first check (typed, not left: an invalid pattern is then named beside it).
    pub async fn add_regex(&self, n: u32, pattern: &str) -> Result<()> {
        self.b
            .field("Kind of check to add (Checks for this case)")
            .await?
            .select_by_label("Matches pattern (regex)")
            .await?;
        self.b
            .click_button("Add check to checks for this case")
            .await?;
        self.b
            .field(&format!("Matches pattern (regex) (case #{n}, check 1)"))
            .await?
            .type_text(pattern)
            .await?;
        Ok(())
    }

    pub async fn add_rubric(&self, index: u32, rubric: &str) -> Result<()> {
        self.add_global("Judge with a rubric").await?;
        self.b
            .field(&format!("Rubric (every case, check {index})"))
            .await?
            .type_text(&format!("{rubric}{TAB}"))
            .await?;
        Ok(())
    }
}

/// The meta model's reply for a whole prompt, as the Generate request's schema asks for it (no
/// analysis, no JSON schema): `examples` as `(input, output)` pairs.
pub fn spec_reply(
    persona: &str,
    context: &str,
    steps: &[&str],
    format: &str,
    examples: &[(&str, &str)],
) -> String {
    serde_json::json!({
        "analysis": "", "persona": persona, "context": context, "steps": steps,
        "format": format, "json_schema": "",
        "examples": examples.iter().map(|(i, o)| serde_json::json!({"input": i, "output": o})).collect::<Vec<_>>(),
    })
    .to_string()
}

/// Opens "Share a link", waits for `ready` (a line of the panel saying what the link carries,
/// "Include the test case and its checks") and a moment for the link to follow, and returns the
/// link (checked to be a `#pw=2.` link).
pub async fn share_link(b: &Browser, ready: &str) -> Result<String> {
    b.wait_for_text("Share a link").await?.click().await?;
    b.wait_for_text(ready).await?;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    shown_link(b).await
}

/// The link the open share panel shows now (checked to be a `#pw=2.` link).
pub async fn shown_link(b: &Browser) -> Result<String> {
    let link = b
        .field("Share link")
        .await?
        .prop("value")
        .await?
        .unwrap_or_default();
    if !link.contains("#pw=2.") {
        bail!("the share link is not a #pw=2. link: {link}");
    }
    Ok(link)
}

/// The verdict badge of case `id`'s result row ("pass", "fail", "refused", …; empty if none).
pub async fn verdict(b: &Browser, id: u32) -> Result<String> {
    let v = b
        .eval(&format!(
            "const e = document.querySelector('.pw-result[data-case=\"{id}\"] .pw-verdict'); return e ? e.textContent : ''"
        ))
        .await?;
    Ok(v.as_str().unwrap_or("").to_owned())
}

/// The whole text of case `id`'s result row (empty if it has none).
pub async fn result_text(b: &Browser, id: u32) -> Result<String> {
    let v = b
        .eval(&format!(
            "return document.querySelector('.pw-result[data-case=\"{id}\"]')?.innerText ?? ''"
        ))
        .await?;
    Ok(v.as_str().unwrap_or("").to_owned())
}

/// Waits until case `id`'s verdict badge reads `want`; on a timeout, fails with what the row says.
pub async fn wait_verdict(b: &Browser, id: u32, want: &str) -> Result<()> {
    let waited = b
        .wait_until(
            &format!(
                "const e = document.querySelector('.pw-result[data-case=\"{id}\"] .pw-verdict'); return !!e && e.textContent === '{want}'"
            ),
            &format!("case #{id} to show {want}"),
        )
        .await;
    if waited.is_err() {
        let row = result_text(b, id).await.unwrap_or_default();
        bail!("case #{id} never showed {want:?}; its row says:\n{row}");
    }
    Ok(())
}

/// Makes every read-write transaction of the page report its commit 2 s late from now on (a
/// slow disk); the writes themselves happen at once. Run it with `Browser::eval`.
pub const SLOW_WRITES: &str = r#"const tx = IDBDatabase.prototype.transaction;
IDBDatabase.prototype.transaction = function (...a) {
  const t = tx.apply(this, a);
  if (a[1] === 'readwrite') {
    const d = Object.getOwnPropertyDescriptor(IDBTransaction.prototype, 'oncomplete');
    Object.defineProperty(t, 'oncomplete', { configurable: true,
      get() { return d.get.call(t); },
      set(f) { d.set.call(t, f ? (e => setTimeout(() => f.call(t, e), 2000)) : null); } });
  }
  return t;
};
return 1;"#;

/// Slows every request of `browser`'s page to `bytes_per_s` down (150 ms round trip), past the
/// service worker and the HTTP cache: the app's code takes seconds to arrive, as on a phone.
pub async fn slow_network(browser: &Browser, bytes_per_s: f64) -> Result<()> {
    browser.cdp("Network.enable", json!({})).await?;
    browser
        .cdp("Network.setBypassServiceWorker", json!({ "bypass": true }))
        .await?;
    browser
        .cdp("Network.setCacheDisabled", json!({ "cacheDisabled": true }))
        .await?;
    browser
        .cdp(
            "Network.emulateNetworkConditions",
            json!({ "offline": false, "latency": 150, "downloadThroughput": bytes_per_s, "uploadThroughput": bytes_per_s }),
        )
        .await?;
    Ok(())
}

/// Opens `url` without waiting for the page to load, then types `text` in the static idea box
/// of index.html while the app's code is still downloading (checked: the app's own idea box is
/// not there yet when the typing ends).
pub async fn type_before_the_app_starts(browser: &Browser, url: &str, text: &str) -> Result<()> {
    browser
        .eval(&format!(
            "setTimeout(() => location.href = {}, 0); return true",
            serde_json::to_string(url)?
        ))
        .await?;
    browser
        .wait_until(
            "return document.getElementById('pw-boot-idea') !== null && document.getElementById('pw-idea') === null",
            "the static idea box, before the app starts",
        )
        .await?;
    let boot = browser
        .client
        .find(fantoccini::Locator::Id("pw-boot-idea"))
        .await?;
    boot.click().await?;
    boot.send_keys(text).await?;
    let before = browser
        .eval("return [document.getElementById('pw-idea') === null, document.getElementById('pw-boot-idea')?.value ?? null]")
        .await?;
    anyhow::ensure!(
        before == json!([true, text]),
        "the typing must end before the app starts (slow the connection further): {before}"
    );
    Ok(())
}
