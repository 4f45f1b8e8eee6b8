//! End-to-end: drafts are saved automatically and survive a reload; many drafts can be managed;
//! a share link opens in a fresh browser profile and can be saved; a damaged link explains itself;
//! two tabs on one draft do not silently overwrite each other; keys appear in no link or export;
//! damaged saved data opens with what was lost named; storage that is full or will not open says so
//! and keeps the work.
use std::path::PathBuf;
use std::time::Duration;

use pw_harness::browser::Browser;
use pw_harness::browser::TypeText;
use pw_harness::pages::{
    CasesPage, DraftsPage, PromptPage, SELECT_ALL, SettingsPage, TAB, share_link,
};
use pw_harness::paths;
use pw_harness::static_site::StaticSite;
use serde_json::json;

const KEY: &str = "sk-SHARELEAK-9876543210fedcba";

fn spec_reply(tag: &str) -> String {
    pw_harness::pages::spec_reply(
        &format!("You are a careful recipe planner {tag}."),
        "Recipes arrive in {{recipe}}. Never add ingredients that are not in the recipe.",
        &["Read the recipe.", "Group ingredients by aisle."],
        "A Markdown list per aisle.",
        &[
            (
                "Pancakes: flour, milk, eggs",
                "Dairy: milk, eggs\nBaking: flour",
            ),
            ("Salad: lettuce", "Produce: lettuce"),
            ("hello", "Please paste a recipe."),
        ],
    )
}

/// Makes a version without any provider, through manual mode.
async fn paste_version(b: &Browser, tag: &str) -> anyhow::Result<()> {
    PromptPage::new(b)
        .paste_reply("turn a recipe into a shopping list", &spec_reply(tag))
        .await
}

/// The app in a 1280x1200 browser that saves downloads into a fresh folder of the temporary
/// directory named `name` and the process id (returned with the site and the browser).
async fn app_downloading(name: &str) -> anyhow::Result<(StaticSite, Browser, PathBuf)> {
    let site = StaticSite::start(&paths::dist_dir(), "/").await?;
    let downloads = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
    std::fs::create_dir_all(&downloads)?;
    let b = Browser::start_downloading(1280, 1200, &downloads).await?;
    b.open_app(&site.url()).await?;
    Ok((site, b, downloads))
}

/// The text of a JSON file the page downloaded, once all of it is in: Chromium makes the file
/// before its bytes are written (CI read an empty export under load), so it is read until it
/// parses; an error after 10 s.
async fn downloaded_json(downloads: &std::path::Path, name: &str) -> anyhow::Result<String> {
    let file = downloads.join(name);
    for _ in 0..100 {
        if let Ok(t) = std::fs::read_to_string(&file)
            && serde_json::from_str::<serde_json::Value>(&t).is_ok()
        {
            return Ok(t);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("{} was not downloaded whole in 10 s", file.display())
}

/// Waits until the page says the draft is saved (typing is saved after a short pause).
async fn saved(b: &Browser) {
    tokio::time::sleep(Duration::from_millis(100)).await;
    b.wait_until(
        "return Array.from(document.querySelectorAll('.pw-save')).some(e => e.textContent === 'Saved in this browser')",
        "the draft to be saved",
    )
    .await
    .expect("saved");
}

// Tryout 11 (S1): text typed into a prompt section about 0.2 s before a reload was lost (a
// section's text reaches the draft after a 400 ms pause), and the header said "Saved in this
// browser" all the while. It says "Saving…" until then, and the text is kept by the reload.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_section_edit_typed_just_before_a_reload_is_kept() -> anyhow::Result<()> {
    let (_site, b) = pw_harness::with_app(1280, 1000).await?;
    paste_version(&b, "typed").await?;
    saved(&b).await;
    // Typed, then the header read and the page reloaded at once, well within the pause.
    let said = b
        .eval(
            "const t = document.getElementById('pw-section-context'); t.value += ' KEPT?'; \
             t.dispatchEvent(new Event('input', {bubbles: true})); \
             return new Promise(done => requestAnimationFrame(() => { \
               const s = document.querySelector('.pw-save').textContent; \
               setTimeout(() => location.reload(), 0); done(s); }))",
        )
        .await?;
    assert_eq!(said, "Saving…", "the header before the text was saved");
    b.wait_until(
        "return (document.getElementById('pw-section-context')?.value ?? '').endsWith(' KEPT?')",
        "the Context typed just before the reload",
    )
    .await?;
    saved(&b).await;
    b.close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drafts_survive_a_reload_and_can_be_managed() -> anyhow::Result<()> {
    let (_site, b) = pw_harness::with_app(1280, 1000).await?;
    let p = PromptPage::new(&b);

    // Mid-edit: an idea typed but never generated survives a reload.
    p.idea("an assistant that plans weekly menus").await?;
    saved(&b).await;
    b.client.refresh().await?;
    b.wait_until("return document.getElementById('pw-idea').value === 'an assistant that plans weekly menus'", "the idea after reload").await?;
    // Tryout 4: text typed just before a reload was lost (saves wait for a pause in typing).
    b.client
        .find(fantoccini::Locator::Id("pw-idea"))
        .await?
        .type_text(" for two")
        .await?;
    b.client.refresh().await?;
    b.wait_until("return document.getElementById('pw-idea').value === 'an assistant that plans weekly menus for two'", "the idea typed just before the reload").await?;
    saved(&b).await;
    b.client.refresh().await?;
    b.wait_until("return document.getElementById('pw-idea').value === 'an assistant that plans weekly menus for two'", "the idea saved after the reload").await?;

    // A second draft.
    let d = DraftsPage::open(&b).await?;
    d.wait_count(1).await?;
    b.button("New draft").await?.click().await?;
    b.wait_until(
        "return document.getElementById('pw-idea').value === ''",
        "an empty new draft",
    )
    .await?;
    paste_version(&b, "two").await?;
    saved(&b).await;
    let d = DraftsPage::open(&b).await?;
    d.wait_count(2).await?;
    assert!(
        d.names()
            .await?
            .contains(&"turn a recipe into a shopping list".to_owned()),
        "{:?}",
        d.names().await?
    );
    // Helper-54: a draft with an idea and no version yet was listed "Untitled prompt", as every
    // other such draft was. It goes by its idea's first words.
    assert!(
        d.names()
            .await?
            .contains(&"an assistant that plans weekly menus for\u{2026}".to_owned()),
        "{:?}",
        d.names().await?
    );

    // Rename, duplicate, delete with undo.
    b.button("Rename turn a recipe into a shopping list")
        .await?
        .click()
        .await?;
    b.field("New name")
        .await?
        .type_text(&format!("{SELECT_ALL}Shopping list\u{E007}"))
        .await?;
    b.wait_until("return Array.from(document.querySelectorAll('.pw-draft-list__name')).some(e => e.textContent === 'Shopping list')", "the new name").await?;
    // Tryout: Duplicate wrote the open draft again, moving its time as if edited just now.
    let metas = "return Object.fromEntries(Array.from(document.querySelectorAll('.pw-draft-list li')).map(li => [li.querySelector('.pw-draft-list__name')?.textContent ?? '', li.querySelector('.pw-draft-list__meta')?.textContent ?? '']))";
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    let before = b.eval(metas).await?;
    // Each line says its cases too (tryout 89: three "Untitled prompt · 0 versions" lines
    // could not be told apart).
    for (name, meta) in before.as_object().expect("a map") {
        let meta = meta.as_str().unwrap_or_default();
        assert!(
            meta.ends_with(" test cases") || meta.ends_with(" test case"),
            "{name}: {meta}"
        );
    }
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    b.button("Duplicate Shopping list").await?.click().await?;
    let d = DraftsPage::open(&b).await?;
    d.wait_count(3).await?;
    let after = b.eval(metas).await?;
    for (name, meta) in before.as_object().expect("a map") {
        assert_eq!(after.get(name), Some(meta), "{name}'s time moved: {after}");
    }
    assert!(
        d.names()
            .await?
            .contains(&"Shopping list (copy)".to_owned())
    );
    // Helper-54: opening another draft saved the one left, unchanged, moving its time (and its
    // place in the list) as if edited just now.
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    DraftsPage::open_other(&b).await?;
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    let d = DraftsPage::open(&b).await?;
    let moved = b.eval(metas).await?;
    for (name, meta) in after.as_object().expect("a map") {
        assert_eq!(moved.get(name), Some(meta), "{name}'s time moved: {moved}");
    }
    b.screenshot("drafts-1280-light").await?;
    b.button("Delete Shopping list (copy)")
        .await?
        .click()
        .await?;
    // Tryout 12 (M5): a draft with a prompt is asked about first (Keep it keeps it).
    b.wait_for_text("Delete \u{201c}Shopping list (copy)\u{201d} with its 1 version, cases and results? Undo is offered right after, until this page is reloaded or another draft is deleted.")
        .await?;
    b.button("Keep it").await?.click().await?;
    d.wait_count(3).await?;
    // Tryout 62: Undo of another draft's delete opened the draft brought back, leaving the
    // open one (a run under way in it was cut off). It comes back into the list only.
    let current = "return document.querySelector('.pw-draft-list__item--current .pw-draft-list__name')?.textContent ?? ''";
    let open_before = b.eval(current).await?;
    assert_ne!(open_before, json!("Shopping list (copy)"));
    b.button("Delete Shopping list (copy)")
        .await?
        .click()
        .await?;
    b.button("Delete it").await?.click().await?;
    d.wait_count(2).await?;
    b.wait_for_text("Deleted \u{201c}Shopping list (copy)\u{201d}.")
        .await?;
    b.button("Undo").await?.click().await?;
    let d = DraftsPage::open(&b).await?;
    d.wait_count(3).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(b.eval(current).await?, open_before);

    // Everything is still there after a reload.
    b.client.refresh().await?;
    let d = DraftsPage::open(&b).await?;
    d.wait_count(3).await?;
    // Helper-56: a copy of a draft with no name yet was named " (copy)", and deleting it said
    // "Deleted “”". Both go by the idea's first words.
    let idea_name = "an assistant that plans weekly menus for\u{2026}";
    b.button(&format!("Duplicate {idea_name}"))
        .await?
        .click()
        .await?;
    let d = DraftsPage::open(&b).await?;
    d.wait_count(4).await?;
    let copy = format!("{idea_name} (copy)");
    assert!(d.names().await?.contains(&copy), "{:?}", d.names().await?);
    b.button(&format!("Delete {copy}")).await?.click().await?;
    b.wait_for_text(&format!("Deleted \u{201c}{copy}\u{201d}."))
        .await?;
    // Session 38: a toast (Alt+C's word) sat over the Undo bar, hiding its text and buttons.
    // The toasts show apart from it while it shows. (The bar is the drawer's own while the
    // drawer is open, tryout 85: it shows once the drawer closes.)
    d.close().await?;
    b.press("\u{E00A}c\u{E000}").await?;
    b.wait_until(
        "return document.querySelector('.pw-toasts__item') !== null",
        "a toast",
    )
    .await?;
    let apart = b
        .eval(
            "const u = document.querySelector('.pw-toast').getBoundingClientRect(); \
             return Array.from(document.querySelectorAll('.pw-toasts__item')).every(e => { \
               const t = e.getBoundingClientRect(); \
               return t.bottom <= u.top || t.top >= u.bottom || t.right <= u.left || t.left >= u.right; })",
        )
        .await?;
    assert_eq!(apart, json!(true), "a toast covers the Undo bar");
    // Session 41: while the bar showed, the toasts moved to the top right, over the header's
    // Drafts and Settings buttons (a click there landed on the toast). What is at the middle of
    // each header button is the button, with the page scrolled to its top.
    let header = b
        .eval(
            "window.scrollTo(0, 0); \
             const bs = Array.from(document.querySelectorAll('.pw-header__actions button')); \
             return bs.length >= 3 && bs.every(x => { \
               const r = x.getBoundingClientRect(); \
               const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2); \
               return x.contains(hit); })",
        )
        .await?;
    assert_eq!(
        header,
        json!(true),
        "a toast covers a header button while the Undo bar shows"
    );
    // Tryout 86: over the Settings drawer, the bar lay on its fields (390 px). It waits for
    // the drawer to close.
    let s = SettingsPage::open(&b).await?;
    assert_eq!(
        b.eval("return !!document.querySelector('.pw-toast')")
            .await?,
        json!(false),
        "the Undo bar over Settings"
    );
    s.close().await?;
    b.wait_until(
        "return !!document.querySelector('.pw-toast')",
        "the Undo bar back",
    )
    .await?;
    // Tryout 77: a second delete ended the first one's Undo with no word. It is said before.
    b.eval("document.querySelectorAll('.pw-toasts [aria-label=\"Dismiss\"]').forEach(x => x.click()); return 0")
        .await?;
    DraftsPage::open(&b).await?;
    b.button("Delete Shopping list (copy)")
        .await?
        .click()
        .await?;
    b.wait_for_text(&format!(
        "Deleting it ends the Undo of \u{201c}{copy}\u{201d}."
    ))
    .await?;
    b.button("Keep it").await?.click().await?;
    // Tryout 62: Rename of a draft that goes by its idea started from "…plans weekly menus
    // for…", the ellipsis included.
    let d = DraftsPage::open(&b).await?;
    d.wait_count(3).await?;
    b.button(&format!("Rename {idea_name}"))
        .await?
        .click()
        .await?;
    let field = b.field("New name").await?;
    assert_eq!(
        field.prop("value").await?.as_deref(),
        Some("an assistant that plans weekly menus for")
    );
    // Tryout 77: Rename pressed again while renaming threw away what was typed, and after the
    // name was saved the focus fell to the page.
    b.eval("const f = document.getElementById('pw-rename'); f.value = 'Weekly menus'; f.dispatchEvent(new Event('input', {bubbles: true})); return 0")
        .await?;
    b.button(&format!("Rename {idea_name}"))
        .await?
        .click()
        .await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        b.field("New name").await?.prop("value").await?.as_deref(),
        Some("Weekly menus"),
        "what was typed stays"
    );
    b.button("Save name").await?.click().await?;
    b.wait_until(
        "return (document.activeElement?.id ?? '').startsWith('pw-rename-') && document.activeElement.getAttribute('aria-label') === 'Rename Weekly menus'",
        "the focus back on the renamed draft's Rename",
    )
    .await?;
    b.close().await?;
    Ok(())
}

// Tryout 11 (m7): deleting the only draft opened an empty one; Undo left that empty draft open
// and listed, and did not open the restored one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undoing_the_delete_of_the_only_draft_opens_it_and_drops_the_empty_one()
-> anyhow::Result<()> {
    let (_site, b, _downloads) = app_downloading("pw-undo").await?;
    paste_version(&b, "only").await?;
    saved(&b).await;
    let d = DraftsPage::open(&b).await?;
    d.wait_count(1).await?;
    b.button("Delete turn a recipe into a shopping list")
        .await?
        .click()
        .await?;
    b.button("Delete it").await?.click().await?;
    b.wait_until(
        "return document.getElementById('pw-idea').value === ''",
        "the empty draft that opens in its place",
    )
    .await?;
    b.button("Undo").await?.click().await?;
    b.wait_until(
        "return document.getElementById('pw-idea').value === 'turn a recipe into a shopping list'",
        "the restored draft to open",
    )
    .await?;
    let d = DraftsPage::open(&b).await?;
    d.wait_count(1).await?;
    assert_eq!(
        d.names().await?,
        vec!["turn a recipe into a shopping list".to_owned()]
    );
    // And after a reload.
    b.client.refresh().await?;
    b.wait_until(
        "return document.getElementById('pw-idea').value === 'turn a recipe into a shopping list'",
        "the restored draft after a reload",
    )
    .await?;
    let d = DraftsPage::open(&b).await?;
    d.wait_count(1).await?;
    b.close().await?;
    Ok(())
}

// Session 28's note: deleting the only draft offered Undo before the empty draft that opens in
// its place had been added; Undo pressed then brought the draft back and the empty one was
// added after it, left listed (or opened over it). Undo is offered once the empty draft is
// open; writes that commit 2 s late widen the window.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_pressed_at_once_after_deleting_the_only_draft_brings_back_just_it()
-> anyhow::Result<()> {
    let (_site, b, _downloads) = app_downloading("pw-undo-at-once").await?;
    paste_version(&b, "only").await?;
    saved(&b).await;
    let d = DraftsPage::open(&b).await?;
    d.wait_count(1).await?;
    b.eval(pw_harness::pages::SLOW_WRITES).await?;
    b.button("Delete turn a recipe into a shopping list")
        .await?
        .click()
        .await?;
    b.button("Delete it").await?.click().await?;
    b.button("Undo").await?.click().await?;
    b.wait_until(
        "return document.getElementById('pw-idea').value === 'turn a recipe into a shopping list'",
        "the restored draft to open",
    )
    .await?;
    // Whatever was still under way has ended by now (each write commits 2 s late).
    tokio::time::sleep(Duration::from_millis(5000)).await;
    let idea = b
        .eval("return document.getElementById('pw-idea').value")
        .await?;
    assert_eq!(idea, json!("turn a recipe into a shopping list"));
    d.wait_count(1).await?;
    assert_eq!(
        d.names().await?,
        vec!["turn a recipe into a shopping list".to_owned()]
    );
    b.close().await?;
    Ok(())
}

// Session 37: a save of the open draft that ended after another draft had opened (writes slow
// to commit, a word typed into the first as the second opened) gave the second the first's
// revision; the second's next save then read as a conflict with another tab ("This draft was
// changed in another tab" with one tab open), and a copy made while a loop ran never reached
// the list (a flaky e2e check under load).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_save_that_ends_after_another_draft_opened_stays_with_its_draft() -> anyhow::Result<()> {
    let (_site, b, _downloads) = app_downloading("pw-save-across-switch").await?;
    let idea_is =
        |text: &str| format!("return document.getElementById('pw-idea').value === '{text}'");
    // Saved twice, so its revision is not the new draft's first one.
    PromptPage::new(&b).idea("list a recipe").await?;
    saved(&b).await;
    PromptPage::new(&b).idea("list a recipe's food").await?;
    saved(&b).await;
    DraftsPage::open(&b).await?.wait_count(1).await?;
    b.eval(pw_harness::pages::SLOW_WRITES).await?;
    b.button("New draft").await?.click().await?;
    // The new draft's write commits 2 s late; meanwhile the first is still open, and a word
    // typed into it is saved in it by a write that commits after the new draft has opened.
    tokio::time::sleep(Duration::from_millis(300)).await;
    b.eval("const e = document.getElementById('pw-idea'); e.value = e.value + ' for two'; e.dispatchEvent(new Event('input', { bubbles: true })); return 1")
        .await?;
    b.wait_until(&idea_is(""), "the new draft to open").await?;
    tokio::time::sleep(Duration::from_millis(3000)).await;
    PromptPage::new(&b).idea("plan a week of dinners").await?;
    tokio::time::sleep(Duration::from_millis(3000)).await;
    saved(&b).await;
    let page = b.eval("return document.body.innerText").await?;
    let page = page.as_str().unwrap_or("");
    assert!(
        !page.contains("changed in another tab"),
        "one tab, and no conflict: {page}"
    );
    // Both are stored as typed, after a reload too.
    b.client.refresh().await?;
    b.wait_until(
        &idea_is("plan a week of dinners"),
        "the new draft after a reload",
    )
    .await?;
    let d = DraftsPage::open(&b).await?;
    d.wait_count(2).await?;
    let mut names = d.names().await?;
    names.sort();
    assert_eq!(
        names,
        vec![
            "list a recipe's food for two".to_owned(),
            "plan a week of dinners".to_owned()
        ]
    );
    b.close().await?;
    Ok(())
}

// Session 38: a tab closed before its last save kept a copy of its draft for the next load,
// and the next load, opening another draft (the one a second tab had opened last), forgot it:
// what the closed tab had not saved was lost. The copy now goes into its own draft.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_tab_keeps_its_last_words_when_the_next_load_opens_another_draft()
-> anyhow::Result<()> {
    let (site, b) = pw_harness::with_app(1280, 1000).await?;
    let idea_is =
        |text: &str| format!("return document.getElementById('pw-idea').value === '{text}'");
    PromptPage::new(&b).idea("sort the mail").await?;
    saved(&b).await;
    // Tab B opens it too, then makes a draft of its own: the one a load opens from now on.
    let tab_a = b.client.window().await?;
    let tab_b = b.client.new_window(true).await?.handle;
    b.client.switch_to_window(tab_b.clone()).await?;
    b.open_app(&site.url()).await?;
    b.wait_until(&idea_is("sort the mail"), "the draft in tab B")
        .await?;
    DraftsPage::open(&b).await?.wait_count(1).await?;
    b.button("New draft").await?.click().await?;
    b.wait_until(&idea_is(""), "the new draft in tab B").await?;
    PromptPage::new(&b).idea("plan the week").await?;
    saved(&b).await;
    // Tab A: its writes stop landing (as when a tab closes before its last write), a few
    // words are typed, and the tab is closed.
    b.client.switch_to_window(tab_a).await?;
    type_with_writes_stopped(&b, " by sender").await?;
    b.client.close_window().await?;
    // The next load (tab B's) opens "plan the week"; "sort the mail" holds the last words.
    b.client.switch_to_window(tab_b).await?;
    b.client.refresh().await?;
    b.wait_until(&idea_is("plan the week"), "tab B's draft after the reload")
        .await?;
    let d = DraftsPage::open(&b).await?;
    d.wait_count(2).await?;
    b.wait_until(
        "return Array.from(document.querySelectorAll('.pw-draft-list__name')).some(e => e.textContent === 'sort the mail by sender')",
        "the closed tab's words in its draft",
    )
    .await?;
    b.close().await?;
    Ok(())
}

/// Makes this tab's writes to IndexedDB stop landing, as when a tab closes before its last
/// write, then types `more` at the end of the idea.
async fn type_with_writes_stopped(b: &Browser, more: &str) -> anyhow::Result<()> {
    b.eval(
        "IDBDatabase.prototype.transaction = (t => function (...a) { \
           if (a[1] === 'readwrite') throw new DOMException('the tab is closing', 'InvalidStateError'); \
           return t.apply(this, a); })(IDBDatabase.prototype.transaction); return 1",
    )
    .await?;
    b.eval(&format!("const e = document.getElementById('pw-idea'); e.value = e.value + {}; e.dispatchEvent(new Event('input', {{ bubbles: true }})); return 1", serde_json::to_string(more)?))
        .await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    Ok(())
}

// Session 43 (session 42's notes): each tab that went away with changes not yet saved kept a
// copy of its draft under one key for the whole browser, so when two such tabs closed, the
// second's copy went over the first's and the first tab's changes were lost. Each draft's copy
// is kept apart, and the next load puts each into its own draft.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tabs_closed_before_their_last_saves_both_keep_their_words() -> anyhow::Result<()> {
    let (site, b) = pw_harness::with_app(1280, 1000).await?;
    let idea_is =
        |text: &str| format!("return document.getElementById('pw-idea').value === '{text}'");
    let tab_a = b.client.window().await?;
    PromptPage::new(&b).idea("sort the mail").await?;
    saved(&b).await;
    // Tabs B and C each make a draft of their own (C's opens at the next load).
    let mut tabs = Vec::new();
    for idea in ["plan the week", "pack for the trip"] {
        let tab = b.client.new_window(true).await?.handle;
        b.client.switch_to_window(tab.clone()).await?;
        b.open_app(&site.url()).await?;
        DraftsPage::open(&b).await?;
        b.button("New draft").await?.click().await?;
        b.wait_until(&idea_is(""), "a new draft").await?;
        PromptPage::new(&b).idea(idea).await?;
        saved(&b).await;
        tabs.push(tab);
    }
    // Tabs A and B: words typed that cannot be saved, then each tab is closed.
    for (tab, more) in [(tab_a, " by sender"), (tabs[0].clone(), " and the weekend")] {
        b.client.switch_to_window(tab).await?;
        type_with_writes_stopped(&b, more).await?;
        b.client.close_window().await?;
    }
    // The next load (tab C's) opens its own draft; the other two hold their tabs' words.
    b.client.switch_to_window(tabs[1].clone()).await?;
    b.client.refresh().await?;
    b.wait_until(
        &idea_is("pack for the trip"),
        "tab C's draft after the reload",
    )
    .await?;
    let d = DraftsPage::open(&b).await?;
    d.wait_count(3).await?;
    b.wait_until(
        "const n = Array.from(document.querySelectorAll('.pw-draft-list__name')).map(e => e.textContent); return n.includes('sort the mail by sender') && n.includes('plan the week and the weekend')",
        "both closed tabs' words in their drafts",
    )
    .await?;
    b.close().await?;
    Ok(())
}

/// Makes the drafts open slowly in every page of the browser from now on: IndexedDB's `open`
/// answers 4 s late (room to type before it, on a slow machine too) and each read-write
/// transaction reports its commit 3 s late.
const SLOW_DRAFTS: &str = r#"(() => {
  const late = (target, proto, name, ms) => {
    const d = Object.getOwnPropertyDescriptor(proto, name);
    Object.defineProperty(target, name, { configurable: true,
      get() { return d.get.call(target); },
      set(f) { d.set.call(target, f ? (e => setTimeout(() => f.call(target, e), ms)) : null); } });
  };
  const open = IDBFactory.prototype.open;
  IDBFactory.prototype.open = function (...a) {
    const r = open.apply(this, a); late(r, IDBRequest.prototype, 'onsuccess', 4000);
    r.addEventListener('success', () => setTimeout(() => { window.pwDraftsOpened = true; }, 4000));
    return r;
  };
  const tx = IDBDatabase.prototype.transaction;
  IDBDatabase.prototype.transaction = function (...a) {
    const t = tx.apply(this, a);
    if (a[1] === 'readwrite') late(t, IDBTransaction.prototype, 'oncomplete', 3000);
    return t;
  };
})();"#;

/// Reloads the page and types `idea` into the idea box before the drafts have opened (with
/// [`SLOW_DRAFTS`] installed); once `meanwhile` has passed, waits until the box still holds it
/// and the draft is saved.
async fn type_as_the_page_opens<F, Fut>(b: &Browser, idea: &str, meanwhile: F) -> anyhow::Result<()>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    b.client.refresh().await?;
    b.wait_for_role_name("heading", "Promptwright").await?;
    b.wait_until(
        "return document.getElementById('pw-idea').value === ''",
        "the page before the drafts open",
    )
    .await?;
    PromptPage::new(b).idea(idea).await?;
    meanwhile().await?;
    b.wait_until(
        &format!(
            "return document.getElementById('pw-idea').value === {}",
            json!(idea)
        ),
        "the idea typed as the page opened",
    )
    .await?;
    saved(b).await;
    Ok(())
}

// CI, session 27's stop (`undoing_the_delete_of_the_only_draft…` found its draft named
// "Untitled prompt"): the page takes input from its first frame, before the drafts have opened.
// A first visit loaded the draft as it was before its first save back over what was typed
// during that save, and a later visit loaded the stored draft over what was typed before it
// opened. Both are kept now; what was typed as the page opened is a draft of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_is_typed_while_the_drafts_open_is_kept() -> anyhow::Result<()> {
    let site = StaticSite::start(&paths::dist_dir(), "/").await?;
    let b = Browser::start(1280, 1000).await?;
    b.cdp("Page.enable", json!({})).await?;
    b.cdp(
        "Page.addScriptToEvaluateOnNewDocument",
        json!({ "source": SLOW_DRAFTS }),
    )
    .await?;
    b.open_app(&site.url()).await?;
    let idea_is =
        |text: &str| format!("return document.getElementById('pw-idea').value === '{text}'");
    // First visit: typed while the first draft is being saved (once the database has opened,
    // the save's commit comes 3 s later).
    b.wait_until(
        "return window.pwDraftsOpened === true",
        "the database to open",
    )
    .await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    PromptPage::new(&b)
        .idea("turn a recipe into a shopping list")
        .await?;
    tokio::time::sleep(Duration::from_millis(4000)).await;
    b.wait_until(
        &idea_is("turn a recipe into a shopping list"),
        "the idea typed during the first save",
    )
    .await?;
    saved(&b).await;
    let d = DraftsPage::open(&b).await?;
    d.wait_count(1).await?;
    b.wait_until(
        "return document.querySelector('.pw-draft-list__name')?.textContent === 'turn a recipe into a shopping list'",
        "the draft named by its idea",
    )
    .await?;
    d.close().await?;
    // A later visit: typed before the drafts have opened. Said, so the draft that used to
    // open does not seem gone (helper-60).
    type_as_the_page_opens(&b, "plan a week of dinners", || async {
        b.wait_for_text("What you typed while your drafts were opening is kept as a new draft; \u{201c}turn a recipe into a shopping list\u{201d} is in Drafts.")
            .await
            .map(|_| ())
    })
    .await?;
    let d = DraftsPage::open(&b).await?;
    d.wait_count(2).await?;
    let mut names = d.names().await?;
    names.sort();
    assert_eq!(
        names,
        vec![
            "plan a week of dinners".to_owned(),
            "turn a recipe into a shopping list".to_owned()
        ]
    );
    d.close().await?;
    // Both are stored: after a reload the one typed last is open.
    b.client.refresh().await?;
    b.wait_until(
        &idea_is("plan a week of dinners"),
        "the typed draft after a reload",
    )
    .await?;
    let d = DraftsPage::open(&b).await?;
    d.wait_count(2).await?;
    // An empty, unnamed draft that would have opened gives way to what was typed, instead of
    // staying as "Untitled prompt" (helper-61).
    b.button("New draft").await?.click().await?;
    b.wait_until(&idea_is(""), "the new, empty draft").await?;
    DraftsPage::open(&b).await?.wait_count(3).await?;
    saved(&b).await;
    type_as_the_page_opens(&b, "sort my inbox", || async { Ok(()) }).await?;
    let d = DraftsPage::open(&b).await?;
    d.wait_count(3).await?;
    let names = d.names().await?;
    assert!(!names.iter().any(|n| n == "Untitled prompt"), "{names:?}");
    b.close().await?;
    Ok(())
}

/// Tryout 85: deleting a draft from the drawer by keyboard, the question focused "Delete it"
/// (not the safe answer), and the Undo toast lay under the modal drawer (Tab never reached it)
/// and over its last row. The question focuses "Keep it"; the drawer holds the Undo, focused,
/// and the toast waits until the drawer closes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delete_from_the_drawer_offers_its_undo_in_the_drawer() -> anyhow::Result<()> {
    let (_site, b) = pw_harness::with_app(1280, 900).await?;
    paste_version(&b, "kept").await?;
    DraftsPage::open(&b).await?;
    b.button("New draft").await?.click().await?;
    // The new draft's idea box takes the focus (tryout 103: the header's Drafts button did).
    b.wait_until(
        "return document.activeElement?.id === 'pw-idea' && !document.querySelector('[role=dialog]')",
        "the new draft's idea box to have the focus",
    )
    .await?;
    let d = DraftsPage::open(&b).await?;
    d.wait_count(2).await?;
    let name = d
        .names()
        .await?
        .into_iter()
        .find(|n| n != "Untitled prompt")
        .expect("the draft with a prompt");
    b.button(&format!("Delete {name}")).await?.click().await?;
    b.wait_until(
        "return document.activeElement?.textContent === 'Keep it'",
        "the question to focus its safe answer",
    )
    .await?;
    // Keep it, pressed with Enter, gives the focus back to the Delete that asked (tryout 103:
    // it went to the next draft's open button, and a second Enter opened that draft).
    b.press("\u{E007}").await?;
    b.wait_until(
        &format!(
            "return document.activeElement?.getAttribute('aria-label') === {}",
            json!(format!("Delete {name}"))
        ),
        "the focus back on Delete",
    )
    .await?;
    b.button(&format!("Delete {name}")).await?.click().await?;
    b.wait_until(
        "return document.activeElement?.textContent === 'Keep it'",
        "the question to focus its safe answer again",
    )
    .await?;
    b.button("Delete it").await?.click().await?;
    d.wait_count(1).await?;
    b.wait_until(
        "return document.activeElement?.id === 'pw-drawer-undo' && !!document.activeElement.closest('[role=dialog]')",
        "the drawer's Undo to have the focus",
    )
    .await?;
    let toast = b
        .eval("return !!document.querySelector('.pw-toast')")
        .await?;
    assert_eq!(toast, json!(false), "no toast under the drawer");
    b.press("\u{E007}").await?;
    d.wait_count(2).await?;
    b.close().await?;
    Ok(())
}

/// Tryout 86: a draft named with characters that change the text's direction showed without
/// them in Drafts (as it must: they could turn the list around), with no word. The list says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_shown_without_its_direction_marks_says_so() -> anyhow::Result<()> {
    let (_site, b) = pw_harness::with_app(1280, 1000).await?;
    PromptPage::new(&b).idea("plan the budget").await?;
    saved(&b).await;
    DraftsPage::open(&b).await?;
    b.button("Rename plan the budget").await?.click().await?;
    b.field("New name")
        .await?
        .type_text(&format!(
            "{SELECT_ALL}Budget \u{202E}2024\u{202C} plan\u{2029}B\u{E007}"
        ))
        .await?;
    b.wait_until(
        "return Array.from(document.querySelectorAll('.pw-draft-list__name')).some(e => e.textContent === 'Budget 2024 plan\\u2029B')",
        "the name without its marks",
    )
    .await?;
    // Tryout 102: a paragraph separator in a name was not named.
    b.wait_for_text(
        "Its name holds characters that show as nothing (U+2029), and characters that change the text's direction (U+202E, U+202C), not shown here.",
    )
    .await?;
    b.close().await?;
    Ok(())
}

/// Tryout 85: a shared draft's case holding U+202E read reversed in the link's read-only view,
/// with no word (the tag came only once it was saved). The view names such characters in the
/// case, the sections and the answers it shows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shared_draft_names_hidden_or_direction_characters_where_it_is_read() -> anyhow::Result<()>
{
    let (_site, a) = pw_harness::with_app(1280, 1400).await?;
    paste_version(&a, "shared").await?;
    a.button("Add case").await?.click().await?;
    a.field("Input of case #1")
        .await?
        .type_text("Please refund \u{202E}4321 redro\u{202C} now")
        .await?;
    let link = share_link(&a, "Include the test case and its checks").await?;
    a.client.goto(&link).await?;
    a.wait_for_role_name(
        "heading",
        "Shared draft: turn a recipe into a shopping list",
    )
    .await?;
    let notes = a
        .eval("return Array.from(document.querySelectorAll('.pw-card--shared .pw-shared__marks')).map(e => e.textContent)")
        .await?;
    assert_eq!(
        notes,
        json!([
            "This text holds characters that show as nothing or change its direction (U+202E, U+202C): it may read differently from what was written."
        ]),
        "the case, and nothing else"
    );
    a.close().await?;
    Ok(())
}

/// Tryout 87: a shared link's failed case read "… press Retry in a minute" in the link's
/// read-only view, which has no Retry. The view gives the failure's cause, and what arrived, with
/// no advice that needs the sender's page (Retry, a key, Settings).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shared_failed_case_gives_its_cause_without_the_senders_retry() -> anyhow::Result<()> {
    use promptwright::domain::eval::TestCase;
    use promptwright::domain::eval::run::{CaseRun, Run, Status};
    use promptwright::domain::provider::{ErrorKind, ProviderError, ProviderKind};
    let mut d = pw_harness::draft_with_one_case("Ana books the room.");
    let mut overloaded = ProviderError::new(
        ErrorKind::Overloaded,
        ProviderKind::OpenAi,
        "api.openai.com",
        Some(529),
        "",
    );
    overloaded.attempts = 3;
    let sent_as = overloaded.message();
    assert!(sent_as.contains("Press Retry in a minute"), "{sent_as}");
    let mut run = Run {
        version: 1,
        model: "OpenAI gpt-4o-mini".into(),
        ..Default::default()
    };
    run.cases.insert(
        1,
        CaseRun {
            status: Status::Failed(sent_as),
            ..Default::default()
        },
    );
    // Tryout 98: a judge call that failed read "… press Re-judge in a minute" here, with no
    // Re-judge in this view.
    let rubric = "Names the owner.";
    d.suite.cases.push(TestCase {
        id: 2,
        input: "Bob sends the deck.".into(),
        assertions: vec![promptwright::domain::eval::Assertion::new(
            promptwright::domain::eval::Check::Judge {
                rubric: rubric.into(),
                threshold: 7,
            },
        )],
        ..Default::default()
    });
    let mut judged = CaseRun {
        status: Status::Done,
        output: "Bob: the deck".into(),
        ..Default::default()
    };
    judged.judgements.insert(
        rubric.into(),
        promptwright::domain::eval::judge::Judgement::Unreadable {
            raw: String::new(),
            error: "The judge call failed: OpenAI's rate limit was reached (HTTP 429); press Re-judge in a minute.".into(),
        },
    );
    run.cases.insert(2, judged);
    d.put_run_on("", run);
    let (site, b) = pw_harness::with_app(1280, 1000).await?;
    // Without the version history, as the share panel sends it by default: no version times.
    let include = promptwright::domain::wire::Include {
        history: false,
        ..promptwright::domain::wire::Include::ALL
    };
    let link = format!(
        "{}{}",
        site.url(),
        promptwright::domain::share::fragment(&d, include)?
    );
    b.client.goto(&link).await?;
    b.client.refresh().await?;
    b.wait_for_text("Result: the call failed:").await?;
    let said = b
        .eval("return document.querySelector('.pw-card--shared ol, .pw-card--shared ul').innerText")
        .await?;
    let said = said.as_str().unwrap_or_default();
    assert!(
        said.contains("Result: the call failed: OpenAI is overloaded right now (HTTP 529). Promptwright tried 3 times and gave up."),
        "{said}"
    );
    assert!(
        said.contains("OpenAI's rate limit was reached (HTTP 429)"),
        "the judge's failure is said: {said}"
    );
    for advice in ["Retry", "Settings", "Re-judge"] {
        assert!(!said.contains(advice), "{advice} in: {said}");
    }
    // Nothing had arrived: no empty answer to fold open (tryout 88).
    assert!(!said.contains("Answer of case #1"), "{said}");
    // Saved, its version's time, which the link did not carry, is not made up (tryout 88:
    // "12:00:00 AM").
    b.button("Save as my draft").await?.click().await?;
    b.wait_until(
        "return document.querySelector('.pw-versions__when')?.textContent === 'time not known'",
        "the version's time said as not known",
    )
    .await?;
    b.close().await?;
    Ok(())
}

// Tryout 112: a key typed into the idea named the Final prompt's .md, .txt and .json files
// (`sk-test-key…-bot-that.json`) and stood in the .json's name and idea. Both are taken out, and
// the page says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_in_the_idea_goes_into_no_downloaded_prompt_file() -> anyhow::Result<()> {
    let (_site, b, downloads) = app_downloading("pw-prompt-downloads").await?;
    let s = SettingsPage::open(&b).await?;
    s.provider("OpenAI").await?;
    s.key(KEY).await?;
    s.close().await?;
    PromptPage::new(&b)
        .paste_reply(&format!("{KEY} bot"), &spec_reply("keyed"))
        .await?;
    b.button("Download .json").await?.click().await?;
    b.wait_for_text("Your API key was in what the file holds (2 times)")
        .await?;
    let mut file = None;
    for _ in 0..50 {
        file = std::fs::read_dir(&downloads)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "json"));
        if file.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let file = file.ok_or_else(|| anyhow::anyhow!("no .json downloaded"))?;
    let name = file
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .to_lowercase();
    assert!(!name.contains("9876543210"), "{name}");
    let text = std::fs::read_to_string(&file)?;
    assert!(
        !text.contains(KEY) && text.contains("[API key removed] bot"),
        "{text}"
    );
    b.close().await?;
    Ok(())
}

// Tryout 120 (F1): a key given in Settings and not remembered is forgotten by a reload; pasted
// into a case after it, it went in the share link as it was, with "Your API keys are never
// included" above it (a key of a self-hosted server, `sk-FAKEKEY-1234567890`, is too short for
// the shapes of providers' keys the page names). Its fingerprint, kept in its place, finds it:
// the link, the export and the note before a run take it out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_a_reload_forgot_is_still_taken_out_of_a_link_and_a_file() -> anyhow::Result<()> {
    let (_site, a, downloads) = app_downloading("pw-downloads-forgot").await?;
    let key = "sk-FAKEKEY-1234567890";
    // Tryout 121: typed with a space in it, it went as it was (the fingerprint found the key
    // whole only, where a key the tab holds is found split too).
    let split = "sk-FAKEKEY-12345 67890";
    let s = SettingsPage::open(&a).await?;
    s.provider("OpenAI").await?;
    s.key(key).await?;
    s.close().await?;
    paste_version(&a, "forgot").await?;
    saved(&a).await;
    a.client.refresh().await?;
    a.wait_below_prompt().await?;
    a.wait_for_text("No API key in this tab for OpenAI").await?;
    a.button("Add case").await?.click().await?;
    a.field("Input of case #1")
        .await?
        .type_text(&format!("Omelette: eggs, my key is {key}, or {split}"))
        .await?;
    // Said before a run, as for a key the tab holds.
    a.wait_until(
        "return !!document.getElementById('pw-run-key-in-draft')",
        "the note that a key is in the draft",
    )
    .await?;
    let link = share_link(&a, "Include the test case and its checks").await?;
    let carried = format!(
        "{:?}",
        promptwright::domain::share::decode(link.split_once('#').map_or(link.as_str(), |x| x.1))?
    );
    assert!(
        !carried.contains("FAKEKEY"),
        "the key is in the link: {carried}"
    );
    assert!(
        carried.contains("Omelette: eggs, my key is [API key removed], or [API key removed]"),
        "{carried}"
    );
    a.wait_for_text("Your API key is in what this link would carry (2 times")
        .await?;
    saved(&a).await;
    let d = DraftsPage::open(&a).await?;
    a.button("Export all").await?.click().await?;
    let exported = downloaded_json(&downloads, "promptwright-drafts.json").await?;
    assert!(!exported.contains("FAKEKEY"), "the key is in the export");
    assert!(exported.contains("my key is [API key removed], or [API key removed]"));
    d.close().await?;
    // Nothing of the key itself is kept: its fingerprint only.
    let stored = a
        .eval("return JSON.stringify(Object.assign({}, localStorage)) + JSON.stringify(Object.assign({}, sessionStorage))")
        .await?;
    let stored = stored.as_str().unwrap_or_default();
    assert!(
        !stored.contains("FAKEKEY") && stored.contains("pw.keyprint."),
        "{stored}"
    );
    a.close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_share_link_opens_in_a_fresh_profile_and_never_holds_the_key() -> anyhow::Result<()> {
    let (site, a, downloads) = app_downloading("pw-downloads").await?;

    // A key typed in Settings (not remembered).
    let s = SettingsPage::open(&a).await?;
    s.provider("OpenAI").await?;
    s.key(KEY).await?;
    s.close().await?;
    paste_version(&a, "shared").await?;
    // One test case travels with the link (the option is on by default). Tryout 106: the key
    // pasted into the draft's text (people paste keys into prompts for bots that call tools)
    // went into the link under "Your API keys are never included". It is taken out, and said.
    a.button("Add case").await?.click().await?;
    a.field("Input of case #1")
        .await?
        .type_text(&format!("Omelette: eggs, butter, chives (use {KEY})"))
        .await?;

    let link = share_link(&a, "Include the test case and its checks").await?;
    let carried = format!(
        "{:?}",
        promptwright::domain::share::decode(link.split_once('#').map_or(link.as_str(), |x| x.1))?
    );
    assert!(!carried.contains(KEY), "the key is in the link: {carried}");
    assert!(
        carried.contains("Omelette: eggs, butter, chives (use [API key removed])"),
        "{carried}"
    );
    a.wait_for_text("Your API key is in what this link would carry (1 time: the draft's text, its versions or results): the link has \u{201c}[API key removed]\u{201d} in its place.")
        .await?;
    a.wait_for_text(&format!("{} characters", link.len()))
        .await?;
    a.screenshot("share-1280-light").await?;

    // Export all drafts: the file has the draft and not the key.
    saved(&a).await;
    let d = DraftsPage::open(&a).await?;
    a.button("Export all").await?.click().await?;
    a.wait_for_text("Exported to promptwright-drafts.json (in your browser's downloads). Your API key was in what the file holds (1 time): it has \u{201c}[API key removed]\u{201d} there instead.")
        .await?;
    let exported = downloaded_json(&downloads, "promptwright-drafts.json").await?;
    assert!(exported.contains("careful recipe planner shared"));
    assert!(!exported.contains(KEY), "the key is in the export");
    assert!(exported.contains("(use [API key removed])"));
    d.close().await?;
    // Tryout 3: "Exported." was still there on every later visit to the drawer.
    let d = DraftsPage::open(&a).await?;
    let said = a
        .eval("return document.querySelector('[role=dialog]').innerText")
        .await?;
    assert!(!said.as_str().unwrap_or("").contains("Exported"), "{said}");
    d.close().await?;
    // The link opened where the person's own draft is: the shared draft covers it, and the
    // keyboard shortcuts do not run, generate or copy the hidden draft (tryout 70: Alt+R sent
    // its cases to the provider); they say why.
    let scrolled = a
        .eval("window.scrollTo(0, 1500); return window.scrollY")
        .await?;
    assert!(scrolled.as_f64().unwrap_or(0.0) > 300.0, "{scrolled}");
    // Settings left open: the link closes it (it stayed over the shared draft, the keyboard
    // kept inside it).
    SettingsPage::open(&a).await?;
    a.client.goto(&link).await?;
    a.wait_for_role_name(
        "heading",
        "Shared draft: turn a recipe into a shopping list",
    )
    .await?;
    // Shown from its top, its heading focused (tryout 72: the page stayed where it was).
    a.wait_until(
        "return window.scrollY === 0 && document.activeElement?.id === 'pw-shared-title' && !document.querySelector('[role=dialog]')",
        "the shared draft from its top, Settings closed",
    )
    .await?;
    for key in ["r", "g", "c"] {
        a.press(&format!("\u{E00A}{key}\u{E000}")).await?;
    }
    a.wait_for_text("A shared draft is open: Alt+G, Alt+R and Alt+C work on your own drafts. Save it as your draft, or close it, first.")
        .await?;
    // Said once, not once per key (tryout 72: three of it stacked).
    let said = a
        .eval("return Array.from(document.querySelectorAll('.pw-toasts__item')).filter(t => t.textContent.includes('A shared draft is open: Alt+G')).length")
        .await?;
    assert_eq!(said, json!(1), "the same toast once");
    let busy = a
        .eval("return [document.body.innerText.includes('Running'), document.body.innerText.includes('Generating'), document.body.innerText.includes('is copied')]")
        .await?;
    assert_eq!(
        busy,
        json!([false, false, false]),
        "no run, generation or copy of the hidden draft"
    );
    // Back leaves the shared draft for the person's own (it stayed, with the link gone from
    // the address); Forward brings it back, from its top and its heading focused.
    a.client.back().await?;
    a.wait_until(
        "return !document.getElementById('pw-shared-title') && !!document.getElementById('pw-idea-title') && !location.hash",
        "the person's own draft after Back",
    )
    .await?;
    a.client.forward().await?;
    a.wait_until(
        "return document.activeElement?.id === 'pw-shared-title' && window.scrollY === 0",
        "the shared draft again after Forward, its heading focused",
    )
    .await?;
    a.close().await?;

    // A fresh profile opens the link read-only, then saves it.
    let b = Browser::start_at(1280, 1200, &link).await?;
    b.wait_for_role_name(
        "heading",
        "Shared draft: turn a recipe into a shopping list",
    )
    .await?;
    b.wait_for_text("You are a careful recipe planner shared.")
        .await?;
    b.screenshot("shared-view-1280-light").await?;
    // The step bar shows where the shared draft is (a prompt and a case: Test), not where the
    // hidden draft is (tryout 72: this fresh profile's empty draft put it at Idea).
    b.wait_until(
        "return document.querySelector('.pw-steps [aria-current=step]')?.textContent.includes('Test')",
        "the shared draft's step",
    )
    .await?;
    b.button("Save as my draft").await?.click().await?;
    b.wait_until("return (document.getElementById('pw-section-persona')?.value ?? '').includes('planner shared')", "the saved draft in the editor").await?;
    assert_eq!(b.eval("return location.hash").await?, "");
    b.wait_for_text("Omelette: eggs, butter, chives").await?;
    // Tryout 9 (m7): the fresh profile's empty first draft stayed in the list as "Untitled
    // prompt"; it gives way to the saved one.
    let d = DraftsPage::open(&b).await?;
    b.wait_until(
        "return Array.from(document.querySelectorAll('.pw-draft-list__name')).map(e => e.textContent).join('|') === 'turn a recipe into a shopping list'",
        "the saved draft alone in the list",
    )
    .await?;
    d.close().await?;

    // Tryout 3: a link at the end of a sentence ("…)." after it), or with its "=" written %3D,
    // opens; text that is no link's content says so instead of "cut off when copied".
    let here = link.replace(&format!("http://{}/", site.addr), &site.url());
    for variant in [format!("{here})."), here.replacen("#pw=", "#pw%3D", 1)] {
        b.client.goto(&variant).await?;
        b.client.refresh().await?;
        b.wait_for_role_name(
            "heading",
            "Shared draft: turn a recipe into a shopping list",
        )
        .await
        .map_err(|e| anyhow::anyhow!("{variant:.60}…{}: {e}", &variant[variant.len() - 8..]))?;
        b.button("Close").await?.click().await?;
        // The focus goes to the person's own idea (tryout 72: to the top of the page).
        b.wait_until(
            "return document.activeElement?.id === 'pw-idea-title'",
            "the focus on Your idea",
        )
        .await?;
    }
    // Saved a second time, it does not take the name of the first (tryout 72: two drafts of one
    // name in the list).
    b.client.goto(&here).await?;
    b.client.refresh().await?;
    b.button("Save as my draft").await?.click().await?;
    b.wait_until(
        "return document.activeElement?.id === 'pw-prompt-title'",
        "the focus on the saved draft's prompt",
    )
    .await?;
    let d = DraftsPage::open(&b).await?;
    b.wait_until(
        "return Array.from(document.querySelectorAll('.pw-draft-list__name')).map(e => e.textContent).sort().join('|') === 'turn a recipe into a shopping list|turn a recipe into a shopping list (shared)'",
        "two drafts of two names",
    )
    .await?;
    d.close().await?;
    let not_a_link = format!("{}#pw=2.hello", site.url());
    b.client.goto(&not_a_link).await?;
    b.client.refresh().await?;
    b.wait_for_text("is not the content of a Promptwright share link")
        .await?;
    let said = b
        .eval("return document.querySelector('.pw-notice--error').innerText")
        .await?;
    assert!(!said.as_str().unwrap_or("").contains("cut off"), "{said}");
    b.button("Close").await?.click().await?;

    // A link whose draft holds only a name is refused in words, like such a file, not opened
    // as an empty draft to save.
    let named = promptwright::domain::draft::Draft {
        name: "Only a name".to_owned(),
        ..Default::default()
    };
    let empty_link = format!(
        "{}{}",
        site.url(),
        promptwright::domain::share::fragment(&named, promptwright::domain::wire::Include::ALL)?
    );
    b.client.goto(&empty_link).await?;
    b.client.refresh().await?;
    b.wait_for_text("its draft holds nothing to work on")
        .await?;
    let save_offered = b
        .eval("return [...document.querySelectorAll('button')].some(x => x.innerText.includes('Save as my draft'))")
        .await?;
    assert_eq!(save_offered, serde_json::json!(false), "nothing to save");
    b.button("Close").await?.click().await?;

    // A damaged link explains itself and leaves the person's drafts alone.
    let mut chars: Vec<char> = link.chars().collect();
    let mid = link.find("#pw=2.").unwrap() + 20;
    chars[mid] = if chars[mid] == 'Q' { 'R' } else { 'Q' };
    let tampered: String = chars.into_iter().collect();
    b.client.goto(&tampered).await?;
    b.client.refresh().await?;
    b.wait_for_text("This share link cannot be opened").await?;
    b.screenshot("share-broken-1280-light").await?;
    let d = DraftsPage::open(&b).await?;
    d.wait_count(2).await?;
    b.close().await?;
    let _ = std::fs::remove_dir_all(&downloads);
    Ok(())
}

// Tryout 122: tab A deleted 1,001 ticked cases; tab B edited the same draft, and A's "Deleted …
// Undo" went without a word when B's change came in: the cases could not come back. Another
// tab's edit keeps the Undo; it puts the cases back beside what that tab added.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_of_a_delete_outlives_an_edit_in_another_tab() -> anyhow::Result<()> {
    let (_fake, site, b) = pw_harness::with_fake(1280, 1000).await?;
    paste_version(&b, "undo-tabs").await?;
    import_recipes(&b, 3, "undo-tabs").await?;
    b.wait_for_text("Imported 3 cases.").await?;
    saved(&b).await;
    let meta = |n: &str| {
        format!(
            "return document.querySelector('.pw-card--cases .pw-card__meta')?.textContent === '{n}'"
        )
    };
    let tab_a = second_tab(&b, &site, &meta("3 cases")).await?;
    let tab_b = b.client.window().await?;
    b.client.switch_to_window(tab_a.clone()).await?;
    b.click_button("Tick all 3 cases").await?;
    b.click_button("Delete the 3 ticked cases").await?;
    b.wait_for_text("Deleted 3 cases.").await?;
    saved(&b).await;
    b.client.switch_to_window(tab_b).await?;
    b.wait_until(&meta(""), "tab B to follow the delete")
        .await?;
    b.click_button("Add case").await?;
    b.wait_until(&meta("1 case"), "the case added in tab B")
        .await?;
    saved(&b).await;
    b.client.switch_to_window(tab_a).await?;
    b.wait_until(&meta("1 case"), "tab A to read tab B's case")
        .await?;
    b.wait_for_text("Deleted 3 cases.").await?;
    b.click_button("Undo").await?;
    b.wait_until(&meta("4 cases"), "the three cases back beside tab B's")
        .await?;
    b.close().await?;
    Ok(())
}

/// Opens the app in a second tab (tab B, left current) once `ready` (a script returning true)
/// says it shows the same draft; returns tab A's handle.
async fn second_tab(
    b: &Browser,
    site: &StaticSite,
    ready: &str,
) -> anyhow::Result<fantoccini::wd::WindowHandle> {
    let tab_a = b.client.window().await?;
    let tab_b = b.client.new_window(true).await?.handle;
    b.client.switch_to_window(tab_b).await?;
    b.open_app(&site.url()).await?;
    b.wait_until(ready, "the same draft in tab B").await?;
    Ok(tab_a)
}

/// A draft whose idea is "first words", saved and open in two tabs: tab B current; returns the
/// site (keep it alive), the browser and tab A's handle.
async fn first_words_in_two_tabs()
-> anyhow::Result<(StaticSite, Browser, fantoccini::wd::WindowHandle)> {
    let (site, b) = pw_harness::with_app(1280, 1000).await?;
    PromptPage::new(&b).idea("first words").await?;
    saved(&b).await;
    let tab_a = second_tab(
        &b,
        &site,
        "return document.getElementById('pw-idea').value === 'first words'",
    )
    .await?;
    Ok((site, b, tab_a))
}

/// Switches to the other of two tabs and opens its Drafts, once it lists `n` drafts.
async fn drafts_in_the_other_tab(b: &Browser, n: usize) -> anyhow::Result<DraftsPage<'_>> {
    let here = b.client.window().await?;
    let other = b
        .client
        .windows()
        .await?
        .into_iter()
        .find(|w| *w != here)
        .expect("a second tab");
    b.client.switch_to_window(other).await?;
    let d = DraftsPage::open(b).await?;
    d.wait_count(n).await?;
    Ok(d)
}

/// [`first_words_in_two_tabs`], then both tabs change the draft within the save delay: B saves
/// first, and A, current, asks. Returns the site (keep it alive) and the browser.
async fn a_conflict_in_tab_a() -> anyhow::Result<(StaticSite, Browser)> {
    let (site, b, tab_a) = first_words_in_two_tabs().await?;
    let p = PromptPage::new(&b);
    p.idea("changed in tab B").await?;
    b.client.switch_to_window(tab_a).await?;
    p.idea("changed in tab A").await?;
    b.wait_for_text("This draft was changed in another tab")
        .await?;
    Ok((site, b))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tabs_on_one_draft_ask_before_overwriting() -> anyhow::Result<()> {
    let (_site, b) = a_conflict_in_tab_a().await?;
    b.screenshot("two-tabs-conflict-1280-light").await?;
    assert_eq!(
        b.eval("return document.getElementById('pw-idea').value")
            .await?,
        "changed in tab A",
        "nothing overwritten"
    );
    b.button("Keep both").await?.click().await?;
    let d = DraftsPage::open(&b).await?;
    d.wait_count(2).await?;
    let names = d.names().await?;
    // Session 36: "(this tab)" was stored in the name, untrue in every other tab.
    assert!(
        names.iter().any(|n| n.ends_with(" (kept copy)")),
        "{names:?}"
    );
    // ... and only on the kept copy: the other name has no mark of its own.
    assert_eq!(
        names.iter().filter(|n| n.ends_with(')')).count(),
        1,
        "{names:?}"
    );
    // A draft stored in one tab is listed in the other at once, not after its first edit or a
    // reload (tryout 88).
    drafts_in_the_other_tab(&b, 2).await?;
    b.close().await?;
    Ok(())
}

// Session 42's review: a tab with changes it could not save (the other tab's question up)
// went away; its reload put the copy it kept over the other tab's save, silently, and the
// other tab followed. The other tab's save opens; the changes are kept as a draft beside it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_over_another_tabs_save_keeps_both() -> anyhow::Result<()> {
    let (_site, b) = a_conflict_in_tab_a().await?;
    b.client.refresh().await?;
    b.wait_for_text("are kept as a draft of their own").await?;
    // Said as news, not among the notices of data left out (tryout 87).
    let page = b.eval("return document.body.innerText").await?;
    assert!(
        !page
            .as_str()
            .unwrap_or("")
            .contains("Some data was left out"),
        "{page}"
    );
    b.wait_until(
        "return document.getElementById('pw-idea').value === 'changed in tab B'",
        "the other tab's save open",
    )
    .await?;
    let d = DraftsPage::open(&b).await?;
    d.wait_count(2).await?;
    let names = d.names().await?;
    assert!(
        names.contains(&"changed in tab A (kept copy)".to_owned()),
        "{names:?}"
    );
    // Tryout 88: the other tab listed the kept copy only after a reload.
    let d = drafts_in_the_other_tab(&b, 2).await?;
    assert!(
        d.names()
            .await?
            .contains(&"changed in tab A (kept copy)".to_owned())
    );
    b.close().await?;
    Ok(())
}

// Tryout 73: a draft changed in both tabs, then deleted in one, asked both questions in the
// other; "Use the other tab's version" did nothing, and the first question stayed after the
// second was answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflict_then_a_delete_in_the_other_tab_asks_only_about_the_delete() -> anyhow::Result<()>
{
    let (_site, b, tab_a) = first_words_in_two_tabs().await?;
    let p = PromptPage::new(&b);
    let tab_b = b.client.window().await?;
    p.idea("changed in tab B").await?;
    b.client.switch_to_window(tab_a.clone()).await?;
    p.idea("changed in tab A").await?;
    b.wait_for_text("This draft was changed in another tab")
        .await?;
    b.client.switch_to_window(tab_b.clone()).await?;
    saved(&b).await;
    let d = DraftsPage::open(&b).await?;
    b.button("Delete changed in tab B").await?.click().await?;
    b.wait_for_text("Deleted \u{201c}changed in tab B\u{201d}.")
        .await?;
    d.close().await.ok();
    b.client.switch_to_window(tab_a.clone()).await?;
    b.wait_for_text("This draft was deleted in another tab")
        .await?;
    b.wait_until(
        "return !document.body.innerText.includes('This draft was changed in another tab')",
        "the question about the other tab's version to go",
    )
    .await?;
    b.button("Keep this draft").await?.click().await?;
    // The focus goes to the draft kept (tryout 74: to the top of the page).
    b.wait_until(
        "return document.activeElement?.id === 'pw-idea-title'",
        "the focus on Your idea",
    )
    .await?;
    saved(&b).await;
    assert_eq!(
        b.eval("return [document.getElementById('pw-idea').value, document.body.innerText.includes('in another tab')]")
            .await?,
        json!(["changed in tab A", false])
    );
    b.close().await?;
    Ok(())
}

// Tryout 69: an idea typed in the static idea box while a shared link loaded vanished from view
// with no word (it was kept as a draft, under the shared view). The page says where it went, and
// it is there when the shared draft is closed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idea_typed_while_a_shared_link_loads_is_kept_and_said() -> anyhow::Result<()> {
    let (site, a) = pw_harness::with_app(1280, 1000).await?;
    paste_version(&a, "shared").await?;
    let link = share_link(&a, "characters").await?;
    a.close().await?;
    let b = Browser::start(1280, 900).await?;
    pw_harness::pages::slow_network(&b, 500_000.0).await?;
    pw_harness::pages::type_before_the_app_starts(&b, &link, "My own idea meanwhile").await?;
    b.wait_for_text("What you typed while the page loaded is kept as a draft of your own: it opens when you close the shared draft, and it is in Drafts.")
        .await?;
    b.button("Close").await?.click().await?;
    b.wait_until(
        "return document.getElementById('pw-idea')?.value === 'My own idea meanwhile'",
        "the typed idea once the shared draft is closed",
    )
    .await?;
    drop(site);
    b.close().await?;
    Ok(())
}

// A draft deleted in one tab came back to life: the other tab, where it was open, wrote it back
// at its next save. That tab now says it was deleted, saves nothing of it unasked, and stores it
// again only when the person keeps it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draft_deleted_in_another_tab_is_not_written_back_unasked() -> anyhow::Result<()> {
    let (_site, b, tab_a) = first_words_in_two_tabs().await?;
    let p = PromptPage::new(&b);
    let tab_b = b.client.window().await?;
    // Tab A deletes it (its only draft: a new, empty one opens there).
    b.client.switch_to_window(tab_a.clone()).await?;
    let d = DraftsPage::open(&b).await?;
    d.wait_count(1).await?;
    b.button("Delete first words").await?.click().await?;
    b.wait_for_text("Deleted \u{201c}first words\u{201d}.")
        .await?;
    // Tab B says so at once, and its save status does not claim it is saved.
    b.client.switch_to_window(tab_b.clone()).await?;
    b.wait_for_text("This draft was deleted in another tab")
        .await?;
    b.wait_for_text("Not saved: deleted in another tab").await?;
    // Typing in B writes nothing back.
    p.idea("first words, edited in tab B").await?;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    b.client.switch_to_window(tab_a.clone()).await?;
    b.client.refresh().await?;
    let d = DraftsPage::open(&b).await?;
    d.wait_count(1).await?;
    let names = d.names().await?;
    assert!(
        !names.iter().any(|n| n.starts_with("first words")),
        "the deleted draft came back: {names:?}"
    );
    // Kept in B: stored again as it is there, and tab A's list shows it.
    b.client.switch_to_window(tab_b.clone()).await?;
    b.button("Keep this draft").await?.click().await?;
    saved(&b).await;
    b.client.switch_to_window(tab_a.clone()).await?;
    let d = DraftsPage::open(&b).await?;
    d.wait_count(2).await?;
    let names = d.names().await?;
    assert!(
        names.iter().any(|n| n.starts_with("first words, edited")),
        "{names:?}"
    );
    // Deleted again in A, and let go in B: B opens the draft left, writing nothing back.
    let kept = names
        .iter()
        .find(|n| n.starts_with("first words, edited"))
        .cloned()
        .unwrap_or_default();
    b.button(&format!("Delete {kept}")).await?.click().await?;
    d.wait_count(1).await?;
    b.client.switch_to_window(tab_b.clone()).await?;
    b.wait_for_text("This draft was deleted in another tab")
        .await?;
    b.button("Let it go").await?.click().await?;
    b.wait_until(
        "return document.getElementById('pw-idea').value === '' && !document.body.innerText.includes('deleted in another tab')",
        "the draft left to open in tab B",
    )
    .await?;
    saved(&b).await;
    let d = DraftsPage::open(&b).await?;
    d.wait_count(1).await?;
    b.close().await?;
    Ok(())
}

// Tryout 9: typing into a section in each of two tabs within a second lost this tab's text:
// the other tab's save arrived while this tab's keystrokes still waited to reach the draft, so
// this tab "had nothing unsaved" and followed the other. It asks now, and keeps what was typed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quick_section_edit_in_each_of_two_tabs_asks_and_loses_nothing() -> anyhow::Result<()> {
    let (site, b) = pw_harness::with_app(1280, 1000).await?;
    paste_version(&b, "two tabs").await?;
    saved(&b).await;
    let tab_a = second_tab(
        &b,
        &site,
        "return (document.getElementById('pw-section-format')?.value ?? '').length > 0",
    )
    .await?;
    let format = "return document.getElementById('pw-section-format').value";
    // B types (saved after its pause); A starts typing a moment later and goes on typing, so
    // B's save arrives while A's keystrokes have not reached its draft.
    b.field("Format").await?.send_keys(" T2FMT").await?;
    b.client.switch_to_window(tab_a.clone()).await?;
    let field = b.field("Format").await?;
    field.send_keys(" T1").await?;
    for c in ["F", "M", "T", "!", "!", "!", "!", "!", "!", "!"] {
        tokio::time::sleep(Duration::from_millis(250)).await;
        field.send_keys(c).await?;
    }
    b.wait_for_text("This draft was changed in another tab")
        .await?;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mine = b.eval(format).await?;
    assert!(
        mine.as_str().unwrap_or("").ends_with(" T1FMT!!!!!!!"),
        "tab A's text was replaced: {mine}"
    );
    b.button("Keep both").await?.click().await?;
    let d = DraftsPage::open(&b).await?;
    d.wait_count(2).await?;
    // Tryout 92: after Keep both neither draft was marked open. The kept copy is the open one.
    b.wait_until(
        "const open = Array.from(document.querySelectorAll('.pw-draft-list__item--current')); return open.length === 1 && open[0].textContent.includes('(kept copy)')",
        "the kept copy marked open in the list",
    )
    .await?;
    b.close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_storage_keeps_the_work_and_offers_an_export() -> anyhow::Result<()> {
    let (_site, b, downloads) = app_downloading("pw-downloads-full").await?;
    paste_version(&b, "before").await?;
    saved(&b).await;
    // The browser's quota runs out: every IndexedDB write now fails the way Chromium reports it.
    b.eval(
        "const full = function () { throw new DOMException('The quota has been exceeded.', 'QuotaExceededError'); }; \
         IDBObjectStore.prototype.put = full; IDBObjectStore.prototype.add = full; return true",
    )
    .await?;
    b.field("Persona")
        .await?
        .type_text(&format!(
            "{SELECT_ALL}You are a careful recipe planner, edited after the disk filled up.\u{E004}"
        ))
        .await?;
    b.wait_for_text("The browser's storage for this site is full")
        .await?;
    b.wait_for_text("Not saved").await?;
    // The work is still on screen, and the export has it.
    assert!(
        PromptPage::new(&b)
            .section("Persona")
            .await?
            .contains("edited after the disk filled up")
    );
    b.button("Export my drafts").await?.click().await?;
    let exported = downloaded_json(&downloads, "promptwright-drafts.json").await?;
    assert!(
        exported.contains("edited after the disk filled up"),
        "the export has the unsaved change"
    );
    b.screenshot("storage-full-1280-light").await?;
    b.close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quota_reached_when_the_write_commits_says_storage_is_full() -> anyhow::Result<()> {
    // Chromium refuses a write over the quota when its transaction commits (the transaction
    // aborts with QuotaExceededError), not when `put` is called: the real quota, made tiny
    // before the app's first write (Chromium remembers a recent check that found room).
    let site = StaticSite::start(&paths::dist_dir(), "/").await?;
    let b = Browser::start(1280, 1200).await?;
    b.client.goto(&format!("{}favicon.svg", site.url())).await?;
    let origin = site.url().trim_end_matches('/').to_owned();
    b.cdp(
        "Storage.overrideQuotaForOrigin",
        json!({"origin": origin, "quotaSize": 1.0}),
    )
    .await?;
    b.open_app(&site.url()).await?;
    b.wait_for_text("The browser's storage for this site is full")
        .await?;
    b.wait_for_text("Not saved").await?;
    paste_version(&b, "over the quota").await?;
    assert!(
        PromptPage::new(&b)
            .section("Persona")
            .await?
            .contains("over the quota")
    );
    b.close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_that_will_not_open_keeps_the_work_in_the_tab() -> anyhow::Result<()> {
    let site = StaticSite::start(&paths::dist_dir(), "/").await?;
    let b = Browser::start(1280, 1200).await?;
    // The database was left at a newer schema version (say, by a newer app on this origin):
    // opening it fails with the browser's VersionError, after the request was sent.
    b.client.goto(&format!("{}favicon.svg", site.url())).await?;
    let made = b
        .client
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               const open = indexedDB.open('promptwright', 7);
               open.onupgradeneeded = () => open.result.createObjectStore('drafts');
               open.onsuccess = () => { open.result.close(); done('ok'); };
               open.onerror = () => done('failed');"#,
            vec![],
        )
        .await?;
    assert_eq!(made, json!("ok"));
    b.open_app(&site.url()).await?;
    // Tryout 73: this read "This browser does not let Promptwright save drafts (private
    // window…)", which was untrue.
    b.wait_for_text("The drafts in this browser were saved by a newer version of Promptwright, which this page cannot read")
        .await?;
    b.wait_for_text("Not saved").await?;
    // The work goes on in the tab.
    paste_version(&b, "kept in the tab").await?;
    assert!(
        PromptPage::new(&b)
            .section("Persona")
            .await?
            .contains("kept in the tab")
    );
    b.button("Export my drafts").await?;
    // IndexedDB refused outright, as in a context where storage is denied: `open` throws.
    b.cdp("Page.enable", json!({})).await?;
    b.cdp(
        "Page.addScriptToEvaluateOnNewDocument",
        json!({"source": "IDBFactory.prototype.open = function () { throw new DOMException('Access to the Indexed Database API is denied in this context.', 'SecurityError'); };"}),
    )
    .await?;
    b.client.refresh().await?;
    b.wait_for_text("This browser does not let Promptwright save drafts")
        .await?;
    paste_version(&b, "still kept").await?;
    assert!(
        PromptPage::new(&b)
            .section("Persona")
            .await?
            .contains("still kept")
    );
    b.screenshot("storage-unavailable-1280-light").await?;
    b.close().await?;
    Ok(())
}

/// Writes records as they are into the app's IndexedDB store (`[key, text]` pairs).
const PUT_RECORDS: &str = r#"
const [pairs, done] = [arguments[0], arguments[arguments.length - 1]];
const open = indexedDB.open('promptwright');
open.onerror = () => done('open failed');
open.onsuccess = () => {
    const tx = open.result.transaction('drafts', 'readwrite');
    for (const [key, text] of pairs) tx.objectStore('drafts').put(text, key);
    tx.oncomplete = () => { open.result.close(); done('ok'); };
    tx.onerror = () => done('write failed');
};
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn damaged_saved_data_opens_with_what_was_lost_named() -> anyhow::Result<()> {
    // Regression: one unreadable part made a whole saved draft vanish from the list without a word,
    // a saved optimizer snapshot that did not load was dropped silently (or crashed the page at
    // every start), and settings that did not parse were replaced silently.
    let (_site, b, downloads) = app_downloading("pw-damaged").await?;
    paste_version(&b, "one").await?;
    saved(&b).await;
    let damaged = json!({
        "id": "dbad", "rev": 1, "updated_ms": 1.0e12,
        "draft": {
            "name": "Damaged", "idea": {"idea": "still an idea"}, "style": "markdown", "current": 1,
            "versions": [{"n": 1, "origin": {"kind": "pasted"}, "at": 1.0,
                "spec": {"persona": "You are still here.", "context": "c", "steps": ["s"], "format": "f"}}],
            "cases": [{"id": 1, "input": "a case that reads"}, {"id": 2, "input": 5}],
            "optimizer": {"version": 1, "best": 9}
        }
    });
    let written = b
        .client
        .execute_async(
            PUT_RECORDS,
            vec![json!([
                ["dbad", damaged.to_string()],
                ["djunk", "{ not json"]
            ])],
        )
        .await?;
    assert_eq!(written, json!("ok"));
    b.eval("localStorage.setItem('pw.current-draft', 'dbad'); localStorage.setItem('pw.stall-seconds', 'soon'); return true")
        .await?;
    b.client.refresh().await?;

    b.wait_for_text("Some data was left out").await?;
    b.wait_for_text(
        "In \u{201c}Damaged\u{201d}: The optimizer's saved state could not be read and was left out.",
    )
    .await?;
    b.wait_for_text(
        "In \u{201c}Damaged\u{201d}: Part of test case 2 (its input) could not be read and was left out.",
    )
    .await?;
    b.wait_for_text("A saved draft (id djunk) could not be read at all")
        .await?;
    // Tryout 8: a draft that did not read at all could only be got at with DevTools. Its text
    // as stored downloads from the notice.
    b.button("Download the unreadable draft djunk as stored")
        .await?
        .click()
        .await?;
    let file = downloads.join("promptwright-unreadable-draft-djunk.json");
    // The file can exist before all its bytes are in (one full-suite run failed the comparison).
    let mut waited = 0;
    while std::fs::read_to_string(&file).unwrap_or_default() != "{ not json" && waited < 100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += 1;
    }
    assert_eq!(std::fs::read_to_string(&file)?, "{ not json");
    b.wait_for_text("The saved waiting time for a silent reply could not be read")
        .await?;
    b.screenshot("damaged-data-1280-light").await?;
    // The rest of the draft opened, and the page works.
    assert!(
        PromptPage::new(&b)
            .section("Persona")
            .await?
            .contains("You are still here.")
    );
    let d = DraftsPage::open(&b).await?;
    d.wait_count(2).await?;
    d.close().await?;
    b.button("Dismiss").await?.click().await?;
    b.wait_until(
        "return !document.body.innerText.includes('Some data was left out')",
        "the notice to go",
    )
    .await?;
    // The unreadable record was left as it was.
    let kept = b
        .client
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               const open = indexedDB.open('promptwright');
               open.onsuccess = () => {
                   const get = open.result.transaction('drafts').objectStore('drafts').get('djunk');
                   get.onsuccess = () => { open.result.close(); done(get.result ?? null); };
               };"#,
            vec![],
        )
        .await?;
    assert_eq!(kept, json!("{ not json"));
    // Tryout 17, 7: a damaged setting alone was said under "Some data was left out", which
    // read as if drafts had been lost.
    // The damaged drafts go first (they would be named again on the next load).
    let deleted = b
        .client
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               const open = indexedDB.open('promptwright');
               open.onsuccess = () => {
                   const tx = open.result.transaction('drafts', 'readwrite');
                   tx.objectStore('drafts').delete('djunk');
                   tx.objectStore('drafts').delete('dbad');
                   tx.oncomplete = () => { open.result.close(); done('ok'); };
               };"#,
            vec![],
        )
        .await?;
    assert_eq!(deleted, json!("ok"));
    b.eval("localStorage.removeItem('pw.current-draft'); localStorage.setItem('pw.at-once', 'many'); localStorage.setItem('pw.stall-seconds', '99999'); return true")
        .await?;
    b.client.refresh().await?;
    b.wait_for_text("Some settings could not be read").await?;
    b.wait_for_text("your drafts are not affected").await?;
    b.wait_for_text("The saved number of calls at once could not be read")
        .await?;
    // Tryout 18: a saved value out of its field's range loaded silently.
    b.wait_for_text("The saved waiting time for a silent reply (99999 s) is more than 600 s, the most allowed, so the default (45 s) is used.")
        .await?;
    assert!(
        !b.eval("return document.body.innerText.includes('Some data was left out')")
            .await?
            .as_bool()
            .unwrap_or(true)
    );
    b.close().await?;
    Ok(())
}

// Tryout 99: model settings from a newer version (a provider this one does not know) were read
// as the default and the default written over them at load, with no copy: they were gone. They
// stay as stored until a setting changes, a copy is kept, and they can be downloaded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_that_do_not_read_are_kept_as_stored_and_offered_for_download()
-> anyhow::Result<()> {
    let (_site, b) = pw_harness::with_app(1280, 1400).await?;
    let newer = r#"{"meta":{"kind":"future-provider","base_url":"https://x.example/v1","model":"m9","temperature":0.3},"execution":{"kind":"open-ai","base_url":"https://api.openai.com/v1","model":"gpt-4o-mini","temperature":0.2},"judge":{"kind":"llama-cpp","base_url":"http://127.0.0.1:8081/v1","model":"","temperature":0.0}}"#;
    // Tryout 100: a comparison model whose temperature alone did not read was left out whole.
    let compare = r#"[{"kind": 7}, {"kind": "open-ai", "base_url": "https://api.openai.com/v1", "model": "gpt-4o", "temperature": "hot"}]"#;
    b.eval(&format!(
        "localStorage.setItem('pw.settings.v1', {}); localStorage.setItem('pw.compare.v1', {}); return true",
        serde_json::to_string(newer)?,
        serde_json::to_string(compare)?
    ))
    .await?;
    b.client.refresh().await?;
    b.wait_for_text("Some settings could not be read").await?;
    b.wait_for_text(
        "The saved settings for \u{201c}Writes and improves prompts\u{201d} could not be read",
    )
    .await?;
    b.wait_for_text("The model settings are kept as they were stored until you change a setting, and a copy stays in this browser.")
        .await?;
    b.button("Download the model settings as they were stored")
        .await?;
    b.button("Download the comparison models as they were stored")
        .await?;
    b.wait_for_text("The temperature of comparison model 2 of the saved list could not be read, so OpenAI's default is used.")
        .await?;
    b.wait_for_text("Comparison model 1 of the saved list could not be read and was left out.")
        .await?;
    // Nothing written over them at load (the effects have run: give them time).
    tokio::time::sleep(Duration::from_millis(800)).await;
    let stored = b
        .eval("return [localStorage.getItem('pw.settings.v1'), localStorage.getItem('pw.settings.v1.as-stored'), localStorage.getItem('pw.compare.v1'), localStorage.getItem('pw.compare.v1.as-stored')]")
        .await?;
    assert_eq!(stored, json!([newer, newer, compare, compare]));
    // A setting changed: the settings are saved, the copy stays.
    let page = SettingsPage::open(&b).await?;
    page.job("Running tests").await?;
    page.model("gpt-4o").await?;
    page.close().await?;
    b.wait_until(
        "return (localStorage.getItem('pw.settings.v1') || '').includes('\"gpt-4o\"')",
        "the changed setting to be saved",
    )
    .await?;
    let copy = b
        .eval("return localStorage.getItem('pw.settings.v1.as-stored')")
        .await?;
    assert_eq!(copy, json!(newer));
    b.close().await?;
    Ok(())
}

// Bug (first-hour tryout): with "Include the run results" ticked, the link carried no results.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_share_link_with_results_carries_them_to_a_fresh_profile() -> anyhow::Result<()> {
    let (fake, _site, a) = pw_harness::with_fake(1280, 1400).await?;
    paste_version(&a, "with results").await?;
    // Case 4's judge gives no score (first rule wins: its judge request holds "DELTA" too).
    fake.reply_when(
        "Names the aisle of each item.",
        "I would rather not grade this.",
    );
    fake.reply_when("DELTA", "Dairy: eggs");
    fake.reply_when("ALPHA", "Dairy: milk");
    fake.reply_when("BRAVO", "Produce: leeks");
    fake.reply_when("CHARLIE", "Baking: flour");
    let cases = CasesPage::new(&a);
    // Case #1 is deleted, so the cases' #ids (2-5) are not their places (1-4): the receiver
    // reads them by #id, as the sender does (tryout 80: numbered by place).
    cases.add(1, "ZULU: gone", None).await?;
    a.button("Delete case #1").await?.click().await?;
    a.wait_for_text("Deleted case #1.").await?;
    cases.add(2, "ALPHA: milk", None).await?;
    cases.add(3, "BRAVO: leeks", None).await?;
    // Case 4's answer fails its check: the receiver is told why (tryout 10: a bare "fail").
    cases.add(4, "CHARLIE: flour", Some("Sugar")).await?;
    cases.add(5, "DELTA: eggs", None).await?;
    // Case #5 has data for the prompt's {{recipe}} too: the receiver sees it beside its input
    // (session 46's notes: cases with one input and different data read alike there).
    a.client
        .find(fantoccini::Locator::Css("#pw-case-5-var-recipe"))
        .await?
        .type_text(&format!("PANCAKES-FOR-TEN{TAB}"))
        .await?;
    a.field("Kind of check to add (Checks for this case)")
        .await?
        .select_by_label("Judge with a rubric")
        .await?;
    a.button("Add check to checks for this case")
        .await?
        .click()
        .await?;
    a.field("Rubric (case #5, check 1)")
        .await?
        .type_text(&format!("Names the aisle of each item.{TAB}"))
        .await?;

    // Before any run, the option says there is nothing to include and cannot be ticked.
    a.wait_for_text("Share a link").await?.click().await?;
    a.wait_for_text("No run results yet for this version: run the test cases first.")
        .await?;
    assert_eq!(
        a.eval("return document.getElementById('pw-share-results').disabled")
            .await?,
        true
    );

    // Session 36: while the run has no result yet, the option does not say to run the cases.
    fake.set_timing(2_000, 15, 6);
    a.button("Run all 4 cases").await?.click().await?;
    // The prompt's {{recipe}} is left empty here.
    a.button("Run anyway").await?.click().await?;
    a.wait_for_text("No results yet: the run under way has not finished a test case.")
        .await?;
    fake.set_timing(0, 15, 6);
    for id in 2..=5 {
        a.wait_until(
            &format!("return (document.querySelector('.pw-result[data-case=\"{id}\"]')?.innerText ?? '').includes(':')"),
            "an output",
        )
        .await?;
    }
    // Case 3 has no check; the sender rates its answer down, which fails it on their page.
    a.button("Thumbs down for the answer to case #3")
        .await?
        .click()
        .await?;
    a.field("Your note on the answer to case #3")
        .await?
        .type_text(&format!("Leeks are not an aisle.{TAB}"))
        .await?;
    a.wait_for_text("You rated this answer down: Leeks are not an aisle.")
        .await?;
    // Case 5's judge gave no score; the sender rates its answer down too (tryout 93: beside
    // the judge error, the receiver's preview showed neither the thumb nor the note).
    a.button("Thumbs down for the answer to case #5")
        .await?
        .click()
        .await?;
    a.field("Your note on the answer to case #5")
        .await?
        .type_text(&format!("Eggs are not dairy here.{TAB}"))
        .await?;
    a.wait_for_text("You rated this answer down: Eggs are not dairy here.")
        .await?;
    a.wait_until(
        "return !document.getElementById('pw-share-results').disabled",
        "the results option to be available",
    )
    .await?;
    // Tryout 77: "Link copied" stayed beside a link the options then changed. (The page's
    // clipboard is stubbed: a headless browser may refuse it.)
    a.eval("window.__copied = []; navigator.clipboard.writeText = t => { window.__copied.push(t); return Promise.resolve(); }; return 0")
        .await?;
    a.button("Copy link").await?.click().await?;
    a.wait_for_text("Link copied").await?;
    a.eval("document.getElementById('pw-share-results').click(); return 0")
        .await?;
    a.wait_for_text("judge error").await?;
    a.wait_for_text("The link carries the results of all 4 test cases.")
        .await?;
    a.wait_for_text("The link changed since it was copied: copy it again.")
        .await?;
    let link = a
        .field("Share link")
        .await?
        .prop("value")
        .await?
        .unwrap_or_default();
    a.screenshot("share-with-results-1280-light").await?;

    // An edit makes version 2, which has not been run: the option says so before the link is
    // copied, and is off (it would carry nothing) until the history goes along.
    a.field("Persona")
        .await?
        .type_text(" Group by aisle.")
        .await?;
    a.wait_for_text("This version has not been run yet: the results are of version 1. Run the test cases again, or include the version history to send them.")
        .await?;
    assert_eq!(
        a.eval(
            "const c = document.getElementById('pw-share-results'); return [c.checked, c.disabled]"
        )
        .await?,
        json!([false, true])
    );
    a.wait_for_text("Include the version history")
        .await?
        .click()
        .await?;
    a.wait_for_text("This version has not been run; the link carries the results of version 1 with the version history.")
        .await?;
    let with_history = a
        .field("Share link")
        .await?
        .prop("value")
        .await?
        .unwrap_or_default();
    assert_ne!(with_history, link);
    a.close().await?;

    let b = Browser::start_at(1280, 1400, &link).await?;
    b.wait_for_text("4 test cases included, with run results:")
        .await?;
    // Tryout 3: the preview promised run results and listed only the cases. Each case shows the
    // result it carries, and its answer folded, before anything is saved.
    let preview = b
        .eval("return document.querySelector('[aria-label=\"Test cases included\"]').textContent")
        .await?;
    let preview = preview.as_str().unwrap_or("");
    assert_eq!(preview.matches("Result: no checks").count(), 1, "{preview}");
    // Tryout 72: a thumbs-down on a case without checks read "no checks" beside the note, where
    // the sender's page said the case failed.
    assert!(
        preview.contains("Result: fail, score 0 / 100. Why: The sender rated this answer down: Leeks are not an aisle.Answer of case #3"),
        "{preview}"
    );
    assert!(
        preview.contains("Result: fail, score 0 / 100. Why: Missing: \u{201c}Sugar\u{201d}."),
        "{preview}"
    );
    // Tryout 47: a case whose judge gave no score read "fail, score 0" here while the owner's
    // page said "judge error" and left it out of the score.
    // Its thumbs-down is a failed check there, so its score without the judge is 0; the
    // sender's note goes with it (tryout 93).
    assert!(
        preview.contains("Result: judge error, left out of the score: Score 0 without the judge (the judge's reply has no score from 1 to 10). Why: The sender rated this answer down: Eggs are not dairy here.Answer of case #5"),
        "{preview}"
    );
    assert!(
        preview.contains("DELTA: eggs \u{b7} recipe: PANCAKES-FOR-TEN"),
        "{preview}"
    );
    for answer in ["Produce: leeks", "Baking: flour", "Answer of case #2"] {
        assert!(preview.contains(answer), "{answer} not in {preview}");
    }
    // Tryout 11 (m8): numbered once, by the list ("• 1." before).
    let numbered = b
        .eval("const l = document.querySelector('[aria-label=\"Test cases included\"]'); return [l.tagName, l.querySelector('li').firstChild.textContent]")
        .await?;
    assert_eq!(numbered[0], "OL", "{numbered}");
    assert!(
        !numbered[1]
            .as_str()
            .unwrap_or("1")
            .starts_with(|c: char| c.is_ascii_digit()),
        "{numbered}"
    );
    // The list's numbers are the #ids, as the marker shows them.
    assert_eq!(
        b.eval("return Array.from(document.querySelectorAll('[aria-label=\"Test cases included\"] > li')).map(l => [l.value, getComputedStyle(l, '::marker').content])")
            .await?,
        json!([[2, "\"#\" counter(list-item) \"  \""], [3, "\"#\" counter(list-item) \"  \""], [4, "\"#\" counter(list-item) \"  \""], [5, "\"#\" counter(list-item) \"  \""]])
    );
    b.screenshot("shared-preview-with-results").await?;
    b.button("Save as my draft").await?.click().await?;
    b.wait_for_text("Produce: leeks").await?;
    b.wait_for_text("Baking: flour").await?;
    // The sender's run is priced by the sender's model (no list price), not by this profile's.
    b.wait_for_text(" · cost unknown (no list price for ")
        .await?;
    // Tryout 101: saved, the sender's thumbs-down read "You rated this answer down". It stays
    // the sender's: in the reason, the verdict row and the thumbs' label.
    b.wait_for_text("The sender rated this answer down: Leeks are not an aisle.")
        .await?;
    let said = b
        .eval("return [document.body.innerText.includes('You rated this answer down'), Array.from(document.querySelectorAll('.pw-verdict-row__name')).map(e => e.textContent).filter(t => t.includes('rating')), Array.from(document.querySelectorAll('.pw-rating__label')).some(e => e.textContent === \"The sender's rating\")]")
        .await?;
    assert_eq!(said[0], json!(false), "{said}");
    assert_eq!(
        said[1],
        json!(["The sender's rating", "The sender's rating"]),
        "{said}"
    );
    assert_eq!(said[2], json!(true), "{said}");
    b.close().await?;

    // Tryout 9: a link whose results are of an earlier version said so and showed none of them
    // until the receiver saved it and went back to that version by hand. Each case shows its
    // result of version 1, named as such.
    let c = Browser::start_at(1280, 1400, &with_history).await?;
    c.wait_for_text("4 test cases included, with run results of an earlier version (version 1), not of the version shown; each case shows its result of version 1:")
        .await?;
    let preview = c
        .eval("return document.querySelector('[aria-label=\"Test cases included\"]').textContent")
        .await?;
    let preview = preview.as_str().unwrap_or("");
    assert_eq!(
        preview.matches("Result of version 1: no checks").count(),
        1,
        "{preview}"
    );
    assert!(
        preview.contains("Result of version 1: fail, score 0 / 100. Why: Missing: "),
        "{preview}"
    );
    for answer in ["Dairy: milk", "Produce: leeks", "Baking: flour"] {
        assert!(preview.contains(answer), "{answer} not in {preview}");
    }
    c.close().await?;
    drop(fake);
    Ok(())
}

/// Opens the share link `hash` in `a`'s tab at once (the focus still in the field typed in),
/// checks the page did not crash, and closes the shared draft.
async fn open_then_close(a: &Browser, hash: &str) -> anyhow::Result<()> {
    a.eval(&format!("location.hash = {}; return 0", json!(hash)))
        .await?;
    a.wait_for_role_name(
        "heading",
        "Shared draft: turn a recipe into a shopping list",
    )
    .await?;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(
        a.eval("return !!document.querySelector('.pw-crash')")
            .await?,
        json!(false),
        "the page crashed"
    );
    a.button("Close").await?.click().await?;
    Ok(())
}

// Tryout 81, 1: a share link opened in this tab while a prompt section was being typed in
// crashed the page ("Tried to access a reactive value that has already been disposed") and lost
// what was typed within the editor's pause. The page stays up, and the words are kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_opened_while_typing_keeps_the_words_and_the_page() -> anyhow::Result<()> {
    let (_site, a) = pw_harness::with_app(1280, 1200).await?;
    paste_version(&a, "typed").await?;
    let link = share_link(&a, "characters").await?;
    let hash = link.split_once('#').map(|(_, h)| h).unwrap_or_default();
    a.field("Persona").await?.type_text(" Kept words.").await?;
    // At once, the focus still in the box and the pause not over.
    open_then_close(&a, hash).await?;
    let persona = a.field("Persona").await?.prop("value").await?;
    assert!(
        persona.as_deref().unwrap_or("").ends_with(" Kept words."),
        "{persona:?}"
    );
    saved(&a).await;
    a.client.refresh().await?;
    a.wait_until(
        "return document.getElementById('pw-section-persona')?.value.endsWith(' Kept words.')",
        "the typed words after a reload",
    )
    .await?;
    // The same with a test case's input being typed in.
    CasesPage::new(&a).add(1, "Soup: leeks", None).await?;
    open_then_close(&a, hash).await?;
    assert_eq!(
        a.field("Input of case #1").await?.prop("value").await?,
        Some("Soup: leeks".to_owned())
    );
    a.close().await?;
    Ok(())
}

// Tryout: a drafts file cut off while saving said "not a Promptwright export (not valid JSON: EOF
// while parsing an object …)", and a draft holding only {"name": "junk"} came in as an empty draft
// ("Imported 2 drafts."). The page says the file ends early, and names the empty draft instead of
// importing it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_says_a_cut_off_file_ends_early_and_names_an_empty_draft() -> anyhow::Result<()> {
    use fantoccini::Locator;
    let (_site, b) = pw_harness::with_app(1280, 900).await?;
    let dir = std::env::temp_dir().join(format!("pw-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let file = json!({
        "format": "promptwright-drafts",
        "version": 1,
        "drafts": [
            {"name": "Menus", "idea": {"idea": "plan a week of menus"}},
            {"name": "junk"}
        ]
    });
    let good = dir.join("drafts.json");
    std::fs::write(&good, serde_json::to_string_pretty(&file)?)?;
    let text = serde_json::to_string_pretty(&file)?;
    let cut = dir.join("drafts-cut.json");
    std::fs::write(&cut, &text[..text.len() / 2])?;

    let d = DraftsPage::open(&b).await?;
    // The first visit's draft, once the drafts have opened (read before, the count was 0 and
    // the draft then listed read as imported: a full run under load, session 37).
    d.wait_count(1).await?;
    let before = 1;
    let input = "input[aria-label='Import drafts from a file']";
    b.client
        .find(Locator::Css(input))
        .await?
        .send_keys(cut.to_str().unwrap())
        .await?;
    b.wait_for_text("This file ends early (line ").await?;
    let shown = b
        .eval("return document.querySelector('.pw-drawer [role=alert]').textContent")
        .await?;
    let shown = shown.as_str().unwrap_or("");
    assert!(
        shown.ends_with("it was probably cut off while it was being saved or downloaded. Save or download it again."),
        "{shown}"
    );
    assert!(!shown.contains("EOF"), "{shown}");
    assert_eq!(d.names().await?.len(), before, "nothing imported");

    b.client
        .find(Locator::Css(input))
        .await?
        .send_keys(good.to_str().unwrap())
        .await?;
    b.wait_for_text("Imported 1 draft.").await?;
    d.wait_count(before + 1).await?;
    let names = d.names().await?;
    assert!(!names.iter().any(|n| n.contains("junk")), "{names:?}");
    b.wait_for_text(
        "The draft \u{201c}junk\u{201d} (draft 2 in the file) holds nothing to work on: no idea, prompt, test cases or results. It was not imported.",
    )
    .await?;
    // Tryout 81: what was left out of a draft imported under a new name was said under its
    // name in the file ("Untitled prompt" beside "… (imported)" in the list).
    let damaged = dir.join("drafts-damaged.json");
    std::fs::write(
        &damaged,
        serde_json::to_string(&json!({
            "format": "promptwright-drafts",
            "version": 1,
            "drafts": [{"name": "Menus", "idea": {"idea": "plan a week of menus"}, "runs": 7}]
        }))?,
    )?;
    b.client
        .find(Locator::Css(input))
        .await?
        .send_keys(damaged.to_str().unwrap())
        .await?;
    b.wait_for_text("Imported 1 draft. Not everything in the file came in")
        .await?;
    b.wait_for_text("In \u{201c}Menus (imported)\u{201d}: ")
        .await?;
    let _ = std::fs::remove_dir_all(&dir);
    b.close().await?;
    Ok(())
}

/// Logs every IndexedDB `put` from now on as `[store, key, characters]` (`window.__pwPuts`).
const LOG_PUTS: &str = r#"
window.__pwPuts = [];
const put = IDBObjectStore.prototype.put;
IDBObjectStore.prototype.put = function (value, key) {
    __pwPuts.push([this.name, String(key), typeof value === 'string' ? value.length : -1]);
    return put.apply(this, arguments);
};
return true;
"#;

/// The saves logged by [`LOG_PUTS`]: the parts each wrote (their keys within the draft) and
/// the characters it wrote in all. A save puts its parts, then its head (store `drafts`).
fn saves_logged(puts: &serde_json::Value) -> Vec<(Vec<String>, u64)> {
    let mut saves = Vec::new();
    let (mut parts, mut chars) = (Vec::new(), 0);
    for p in puts.as_array().into_iter().flatten() {
        let (store, key, n) = (
            p[0].as_str().unwrap_or(""),
            p[1].as_str().unwrap_or(""),
            p[2].as_u64().unwrap_or(0),
        );
        chars += n;
        if store == "drafts" {
            saves.push((std::mem::take(&mut parts), std::mem::take(&mut chars)));
        } else {
            parts.push(key.split_once('/').map_or(key, |(_, k)| k).to_owned());
        }
    }
    saves
}

// Issue #16: every save during a run wrote the whole draft (its cases, versions and every run)
// after reading and parsing the whole stored record.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_save_during_a_run_writes_what_changed_not_the_whole_draft() -> anyhow::Result<()> {
    let (fake, site, b) = pw_harness::with_fake(1280, 1000).await?;
    paste_version(&b, "parts").await?;
    let n = 160;
    import_recipes(&b, n, "parts").await?;
    saved(&b).await;
    let before = stored_size(&b).await?;
    assert!(before.0 < 2_000, "a small head: {before:?}");
    b.eval(LOG_PUTS).await?;
    fake.set_timing(150, 0, 64);
    fake.set_default_reply("Dairy: milk, eggs\nBaking: flour");
    b.button(&format!("Run all {n} cases"))
        .await?
        .click()
        .await?;
    // The prompt's {{recipe}} is left empty here.
    b.button("Run anyway").await?.click().await?;
    b.wait_until(
        &format!("return (document.querySelector('.pw-progress__text')?.textContent ?? '').startsWith('{n} of {n} done')"),
        "the run to end",
    )
    .await?;
    saved(&b).await;
    let saves = saves_logged(&b.eval("return window.__pwPuts").await?);
    let after = stored_size(&b).await?;
    let whole = after.0 + after.1;
    eprintln!(
        "the whole draft: {before:?} characters (head, parts) before the run, {after:?} after; saves: {:?}",
        saves
            .iter()
            .map(|(p, c)| format!("{c} chars: {}", p.join(" ")))
            .collect::<Vec<_>>()
    );
    // Saves went on during the run (each no later than 1.5 s after a change).
    assert!(saves.len() >= 3, "{} saves", saves.len());
    for (parts, chars) in &saves {
        // Neither the cases nor the versions changed: they are never written again.
        assert!(
            parts
                .iter()
                .all(|p| p == "runs/0" || p.starts_with("runs/0/cases/")),
            "only the run and its results are written: {parts:?}"
        );
        // Each save wrote the whole draft before: the last ones nearly all of `whole`.
        assert!(
            *chars < whole / 2,
            "a save wrote {chars} characters, the whole draft has {whole}"
        );
    }
    // A block of 50 results is written again only while its results change: the first block,
    // done early in the run, is not in the last save.
    let last = &saves.last().expect("a save").0;
    assert!(
        !last.iter().any(|p| p == "runs/0/cases/0"),
        "the last save rewrote the first block: {last:?}"
    );
    // Everything reads back.
    b.client.refresh().await?;
    b.wait_for_text(&format!("{n} cases")).await?;
    b.wait_until(
        &format!("return document.body.innerText.includes('{n} of {n} passed') || document.querySelectorAll('.pw-result').length >= 100"),
        "the results after the reload",
    )
    .await?;
    let results = b
        .eval("return document.querySelectorAll('.pw-result[data-case]').length")
        .await?;
    assert!(results.as_u64().unwrap_or(0) >= 100, "{results}");
    drop(site);
    b.close().await?;
    Ok(())
}

/// Imports `n` recipe cases from a JSONL file (named for `tag`) and waits until they show.
async fn import_recipes(b: &Browser, n: usize, tag: &str) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("pw-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("cases.jsonl");
    let body: String = (1..=n)
        .map(|i| {
            json!({"input": format!("Recipe {i}: flour, milk and {i} eggs.")}).to_string() + "\n"
        })
        .collect();
    std::fs::write(&file, body)?;
    b.client
        .find(fantoccini::Locator::Css(
            "input[aria-label='Import test cases from a CSV, JSONL or promptfoo file']",
        ))
        .await?
        .send_keys(file.to_str().unwrap_or_default())
        .await?;
    b.wait_for_text(&format!("{n} cases")).await?;
    Ok(())
}

/// Whether the Results progress line starts with "<k> of <n> done" for some k below `n`, and
/// holds `and` (a script returning a boolean).
fn progress_partial(n: usize, and: &str) -> String {
    format!(
        "const t = document.querySelector('.pw-progress__text')?.textContent ?? ''; \
         const m = t.match(/^(\\d+) of (\\d+) done/); \
         return !!m && Number(m[2]) === {n} && Number(m[1]) < {n} && t.includes({and:?});"
    )
}

// Tryout 73: a run going on in tab A read, in tab B following the draft, as done with a score
// ("79 of 79 done"): the record left out the cases still waiting, and B could run the draft
// too. B now says the run goes on in A, counts what is still to come, runs nothing of the draft
// meanwhile; when A goes away mid-run without a word, B reads its record as A left it: the
// cases not answered are not sent, and B can send them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_going_on_in_another_tab_is_said_there_and_not_run_twice() -> anyhow::Result<()> {
    let (fake, site, b) = pw_harness::with_fake(1280, 1000).await?;
    paste_version(&b, "elsewhere").await?;
    let n = 24;
    import_recipes(&b, n, "elsewhere").await?;
    saved(&b).await;
    fake.set_timing(1_500, 0, 64);
    fake.set_default_reply("Dairy: milk, eggs\nBaking: flour");
    let run_all = format!("Run all {n} cases");
    b.button(&run_all).await?.click().await?;
    // The prompt's {{recipe}} is left empty here.
    b.button("Run anyway").await?.click().await?;
    let tab_a = second_tab(
        &b,
        &site,
        &format!("return document.body.innerText.includes('{n} cases')"),
    )
    .await?;
    let tab_b = b.client.window().await?;
    b.wait_for_text("A run of this draft is going on in another tab")
        .await?;
    b.wait_until(
        &progress_partial(n, "still to come from the other tab"),
        "tab B to count the cases still to come",
    )
    .await?;
    b.screenshot_at(".pw-run-in-other-tab", "run-in-other-tab-1280-light")
        .await?;
    // Tryout 76: B's rows read A's answers under way as stopped, with Retry, and its queue as
    // not sent: the list waits for the run's end.
    assert_eq!(
        b.eval("return document.querySelector('.pw-results').hidden")
            .await?,
        json!(true),
        "the results list is hidden while the run goes on in tab A"
    );
    assert_eq!(
        b.eval("return [...document.querySelectorAll('button')].some(x => x.textContent.startsWith('Send the'))")
            .await?,
        json!(false),
        "no Send in tab B while tab A sends them"
    );
    b.button(&run_all).await?.click().await?;
    b.wait_for_text("running it here too would send the cases twice")
        .await?;
    // Tryout 75: a change made in tab B mid-run (here the idea) was saved over the record tab A
    // writes, and A, following it, read its own cases as never sent. B now keeps it until A's
    // run ends, and A's saves ask B which to keep; A's run goes on untouched.
    PromptPage::new(&b).idea("changed in tab B mid-run").await?;
    b.wait_for_text("This draft was changed in another tab")
        .await?;
    b.client.switch_to_window(tab_a.clone()).await?;
    b.wait_until(
        &format!("return (document.querySelector('.pw-progress__text')?.textContent ?? '').startsWith('{n} of {n} done')"),
        "tab A's run to end with every case",
    )
    .await?;
    assert_eq!(
        b.eval("return document.body.innerText.includes('not sent') || document.body.innerText.includes('changed in another tab')")
            .await?,
        json!(false),
        "tab A's run read as never sent, or A was asked"
    );
    b.client.switch_to_window(tab_b.clone()).await?;
    // Tryout 76: B's copy, older than A's, read A's finished run as not sent, and its Send sent
    // it again. Nothing runs from B until the person chooses.
    b.wait_until(
        "return !document.body.innerText.includes('going on in another tab')",
        "tab B to hear that tab A's run ended",
    )
    .await?;
    b.button(&run_all).await?.click().await?;
    b.wait_for_text("Choose which version to keep (above) first, then run.")
        .await?;
    assert_eq!(fake.chat_requests().len(), n, "tab B sent nothing");
    b.button("Use the other tab's version")
        .await?
        .click()
        .await?;
    // Tab A's run ends: B follows it to its end and the notice goes.
    b.wait_until(
        &format!("return (document.querySelector('.pw-progress__text')?.textContent ?? '').startsWith('{n} of {n} done') && !document.body.innerText.includes('going on in another tab')"),
        "tab B to show the run ended in tab A",
    )
    .await?;
    assert_eq!(
        fake.chat_requests().len(),
        n,
        "each case was sent once: tab B sent nothing"
    );

    // A second run, and tab A goes away mid-run without a word to tab B (calls of 3 s: the
    // conflict below comes and goes within it).
    fake.set_timing(3_000, 0, 64);
    b.client.switch_to_window(tab_a.clone()).await?;
    b.button(&run_all).await?.click().await?;
    b.button("Run anyway").await?.click().await?;
    b.client.switch_to_window(tab_b.clone()).await?;
    b.wait_until(
        &progress_partial(n, "still to come from the other tab"),
        "tab B to see the second run going on",
    )
    .await?;
    // Session 36: the refusal of the Run pressed during the first conflict ended with that
    // conflict: a new one does not show it again before Run is pressed.
    PromptPage::new(&b).idea("changed in tab B again").await?;
    b.wait_for_text("This draft was changed in another tab")
        .await?;
    assert_eq!(
        b.eval("return document.body.innerText.includes('Choose which version to keep (above) first, then run.')")
            .await?,
        json!(false),
        "an old refusal shown with a new conflict"
    );
    b.button("Use the other tab's version")
        .await?
        .click()
        .await?;
    b.wait_until(
        "return !document.body.innerText.includes('This draft was changed in another tab')",
        "the conflict to end",
    )
    .await?;
    let before_second = n;
    b.client.switch_to_window(tab_a).await?;
    b.client.close_window().await?;
    // What the provider was sent of the second run, all of it before the tab closed.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let received = fake.chat_requests().len() - before_second;
    assert!(
        received > 0,
        "the second run sent nothing before tab A closed"
    );
    b.client.switch_to_window(tab_b).await?;
    b.wait_until(
        &progress_partial(n, "not sent (the page went away"),
        "tab B to read the run as tab A left it",
    )
    .await?;
    // Tryout 75: the calls under way as the tab closed were counted as never sent (and Send
    // sent them a second time). What the provider received by tab A's last save is not among
    // the unsent: a closing tab's last save may not land, so the calls sent after the save
    // before it may be (here at most one round of 4 at once: each call takes 3 s, and a save
    // follows each answer within 1.5 s).
    let unsent = b
        .eval("const m = (document.querySelector('.pw-progress__text')?.textContent ?? '').match(/(\\d+) not sent/); return m ? Number(m[1]) : -1")
        .await?
        .as_u64()
        .unwrap_or(0) as usize;
    assert!(
        unsent + received <= n + 4,
        "{unsent} read as not sent, but the provider received {received} of {n}"
    );
    assert_eq!(
        b.eval("return document.body.innerText.includes('going on in another tab')")
            .await?,
        json!(false),
        "the notice went with tab A"
    );
    b.eval("[...document.querySelectorAll('button')].find(x => x.textContent.startsWith('Send the')).click(); return true")
        .await?;
    b.button("Run anyway").await?.click().await?;
    b.wait_until(
        "const t = document.querySelector('.pw-progress__text')?.textContent ?? ''; return /^\\d+ of \\d+ done/.test(t) && !t.includes('not sent') && !document.querySelector('.pw-progress button')",
        "tab B to send the rest",
    )
    .await?;
    drop(site);
    b.close().await?;
    Ok(())
}

/// The stored size of the one draft in this browser, in characters: its head, its parts.
async fn stored_size(b: &Browser) -> anyhow::Result<(u64, u64)> {
    let v = b
        .client
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               const open = indexedDB.open('promptwright');
               open.onsuccess = () => {
                   const tx = open.result.transaction(['drafts', 'parts']);
                   const heads = tx.objectStore('drafts').getAll();
                   const parts = tx.objectStore('parts').getAll();
                   tx.oncomplete = () => { open.result.close(); done([heads.result.length, heads.result[0]?.length ?? 0, parts.result.reduce((a, p) => a + p.length, 0)]); };
               };"#,
            vec![],
        )
        .await?;
    anyhow::ensure!(v[0] == json!(1), "one draft stored: {v}");
    Ok((v[1].as_u64().unwrap_or(0), v[2].as_u64().unwrap_or(0)))
}

/// Writes a schema-1 database (one store, each record the whole draft) with draft `dold`, and
/// leaves the connection open when `hold` (as a tab of the app before schema 2 did).
const SCHEMA_ONE: &str = r#"
const [hold, done] = [arguments[0], arguments[arguments.length - 1]];
const open = indexedDB.open('promptwright', 1);
open.onupgradeneeded = () => open.result.createObjectStore('drafts');
open.onerror = () => done('open failed');
open.onsuccess = () => {
    const record = {id: 'dold', rev: 3, updated_ms: 1.0e12, draft: {
        name: 'Kept before parts', idea: {idea: 'plan a dinner'}, style: 'markdown', current: 2,
        versions: [
            {n: 1, origin: {kind: 'pasted'}, at: 1.0, spec: {persona: 'You are the first.', context: 'c', steps: ['s'], format: 'f'}},
            {n: 2, origin: {kind: 'pasted'}, at: 2.0, spec: {persona: 'You are the second.', context: 'c', steps: ['s'], format: 'f'}}],
        cases: [{id: 1, input: 'a dinner for two'}]}};
    const tx = open.result.transaction('drafts', 'readwrite');
    tx.objectStore('drafts').put(JSON.stringify(record), 'dold');
    tx.oncomplete = () => { if (!hold) open.result.close(); done('ok'); };
};
"#;

// Issue #16: drafts kept in one record each (schema 1) open after the change to parts, and a
// tab of the older app holding the database says why this one cannot save.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drafts_kept_before_parts_open_and_an_older_tab_open_is_said() -> anyhow::Result<()> {
    let site = StaticSite::start(&paths::dist_dir(), "/").await?;
    let b = Browser::start(1280, 1200).await?;
    // Tab A: a page of this origin holding the schema-1 database open, as the older app did.
    b.client.goto(&format!("{}favicon.svg", site.url())).await?;
    let made = b
        .client
        .execute_async(SCHEMA_ONE, vec![json!(true)])
        .await?;
    assert_eq!(made, json!("ok"));
    let tab_a = b.client.window().await?;
    let tab_b = b.client.new_window(true).await?.handle;
    b.client.switch_to_window(tab_b.clone()).await?;
    b.open_app(&site.url()).await?;
    b.wait_for_text(
        "Another tab holds an older version of Promptwright, so this tab cannot save drafts yet",
    )
    .await?;
    b.wait_for_text("Not saved").await?;
    let d = DraftsPage::open(&b).await?;
    b.wait_for_text("Drafts are not being saved in this browser now")
        .await?;
    d.close().await?;
    // The work goes on in the tab.
    PromptPage::new(&b).idea("typed while unsaved").await?;
    // The older tab goes away: this tab opens and upgrades the database, and saves what was
    // done here as a draft of its own, beside the one kept in schema 1 (tryout 73: the page
    // said to reload, which lost it).
    b.client.switch_to_window(tab_a).await?;
    b.client.close_window().await?;
    b.client.switch_to_window(tab_b).await?;
    saved(&b).await;
    let d = DraftsPage::open(&b).await?;
    d.wait_count(2).await?;
    d.close().await?;
    assert_eq!(
        b.eval("return document.getElementById('pw-idea').value")
            .await?,
        json!("typed while unsaved")
    );
    b.eval("localStorage.setItem('pw.current-draft', 'dold'); return true")
        .await?;
    b.client.refresh().await?;
    b.wait_until(
        "return document.getElementById('pw-idea')?.value === 'plan a dinner'",
        "the draft kept in schema 1",
    )
    .await?;
    assert!(
        PromptPage::new(&b)
            .section("Persona")
            .await?
            .contains("You are the second.")
    );
    PromptPage::new(&b).wait_version(1).await?;
    // An edit saves it in parts; the old versions and the case are kept.
    PromptPage::new(&b).idea("plan a dinner for six").await?;
    saved(&b).await;
    let stored = b
        .client
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               const open = indexedDB.open('promptwright');
               open.onsuccess = () => {
                   const tx = open.result.transaction(['drafts', 'parts']);
                   const head = tx.objectStore('drafts').get('dold');
                   const keys = tx.objectStore('parts').getAllKeys(IDBKeyRange.bound('dold/', 'dold/\uffff'));
                   tx.oncomplete = () => { open.result.close(); done([JSON.parse(head.result), keys.result]); };
               };"#,
            vec![],
        )
        .await?;
    assert_eq!(
        stored[0]["parts"],
        json!(["versions/0", "cases/0"]),
        "{stored}"
    );
    assert_eq!(stored[1], json!(["dold/cases/0", "dold/versions/0"]));
    assert!(stored[0]["draft"].get("versions").is_none(), "{stored}");
    assert_eq!(
        stored[0]["draft"]["idea"]["idea"],
        json!("plan a dinner for six")
    );
    b.client.refresh().await?;
    b.wait_until(
        "return document.getElementById('pw-idea')?.value === 'plan a dinner for six'",
        "the draft read back from its parts",
    )
    .await?;
    PromptPage::new(&b).wait_version(1).await?;
    PromptPage::new(&b).wait_version(2).await?;
    b.wait_until(
        "return document.querySelector('.pw-card--cases .pw-card__meta')?.textContent === '1 case'",
        "the case kept in schema 1",
    )
    .await?;
    // A newer app in another tab upgrades the database: this tab lets it, and says why it
    // stops saving (before, the upgrade waited on this tab for ever).
    let upgraded = b
        .client
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               const open = indexedDB.open('promptwright', 3);
               open.onblocked = () => done('blocked');
               open.onsuccess = () => { open.result.close(); done('ok'); };
               open.onerror = () => done('failed');"#,
            vec![],
        )
        .await?;
    assert_eq!(upgraded, json!("ok"));
    PromptPage::new(&b).idea("plan a dinner for eight").await?;
    b.wait_for_text(
        "Promptwright was updated in another tab, so this tab cannot save drafts any more",
    )
    .await?;
    b.close().await?;
    Ok(())
}

/// The parts of `id` in the `parts` store whose keys begin with `prefix`, as [key, text] pairs.
const PARTS_OF: &str = r#"
const [prefix, done] = [arguments[0], arguments[arguments.length - 1]];
const open = indexedDB.open('promptwright');
open.onsuccess = () => {
    const range = IDBKeyRange.bound(prefix, prefix + '\uffff');
    const store = open.result.transaction('parts').objectStore('parts');
    const keys = store.getAllKeys(range);
    const values = store.getAll(range);
    values.onsuccess = () => { open.result.close(); done(keys.result.map((k, i) => [k, values.result[i]])); };
};
"#;

/// Tryout 95: one damaged result left out its whole run (every row read "not run"), a status
/// this app does not write read as "cancelled", and the next edit's save deleted the results
/// that had read, with nothing offered to keep. Each result reads on its own; the draft as it
/// was stored is offered for download, kept in this browser at the next save (a reload still
/// offers it), and deleted only when the person asks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_result_leaves_the_rest_and_the_draft_as_stored_is_kept() -> anyhow::Result<()> {
    let (_site, b, downloads) = app_downloading("pw-kept-copy").await?;
    paste_version(&b, "one").await?;
    saved(&b).await;
    let damaged = json!({
        "id": "dres", "rev": 1, "updated_ms": 1.0e12,
        "draft": {
            "name": "Results", "idea": {"idea": "an idea"}, "style": "markdown", "current": 1,
            "versions": [{"n": 1, "origin": {"kind": "pasted"}, "at": 1.0,
                "spec": {"persona": "You answer.", "context": "c", "steps": ["s"], "format": "f"}}],
            "cases": [{"id": 1, "input": "first"}, {"id": 2, "input": "second"}, {"id": 3, "input": "third"}],
            "runs": [{"version": 1, "model": "m", "at": 1.0, "cases": [
                {"id": 1, "status": "done", "output": "THE-ANSWER-THAT-READS"},
                {"id": 2, "status": "exploded", "output": "x"},
                {"id": "three", "status": "done", "output": 17}
            ]}]
        }
    })
    .to_string();
    let written = b
        .client
        .execute_async(PUT_RECORDS, vec![json!([["dres", damaged]])])
        .await?;
    assert_eq!(written, json!("ok"));
    b.eval("localStorage.setItem('pw.current-draft', 'dres'); return true")
        .await?;
    b.client.refresh().await?;
    b.wait_for_text("In \u{201c}Results\u{201d}: The result of case #2 (version 1) could not be read and was left out.")
        .await?;
    b.wait_for_text("In \u{201c}Results\u{201d}: The result of the case in place 3 of the run (version 1) could not be read and was left out.")
        .await?;
    b.wait_for_text("THE-ANSWER-THAT-READS").await?;
    // Case #2's row says its result could not be read (tryout 96: "not run"); case #3 has none
    // to name (its id did not read), so it reads "not run".
    pw_harness::pages::wait_verdict(&b, 2, "result unreadable").await?;
    assert_eq!(pw_harness::pages::verdict(&b, 3).await?, "not run");
    assert_eq!(
        b.eval("return document.body.innerText.includes('cancelled')")
            .await?,
        json!(false),
        "no result reads as cancelled"
    );
    // Offered for download at once; no copy is stored yet, so none can be deleted (the review
    // of session 47: the press gave away the copy to come).
    b.button("Download \u{201c}Results\u{201d} as it was stored")
        .await?;
    assert_eq!(
        b.eval("return document.body.innerText.includes('Delete the kept copy')")
            .await?,
        json!(false)
    );
    // An edit: the save rewrites the draft in parts, and keeps it as it was stored first.
    b.field("Persona").await?.type_text(" Be exact.").await?;
    tokio::time::sleep(Duration::from_millis(600)).await;
    saved(&b).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    saved(&b).await;
    let copies = b
        .client
        .execute_async(PARTS_OF, vec![json!("as-stored/dres/")])
        .await?;
    assert_eq!(copies.as_array().map(Vec::len), Some(1), "{copies}");
    // (A record of the first layout, with no parts: its text as it was.)
    assert_eq!(copies[0][1], json!(damaged));
    // A reload: the copy is said and offered; the rest of the draft is as edited.
    b.client.refresh().await?;
    b.wait_for_text("In \u{201c}Results\u{201d}: a copy of this draft as it was stored before parts of it were left out is kept in this browser")
        .await?;
    // The results that read were saved with the edit (the answer is version 1's: the page
    // shows version 2's, none yet).
    let runs = b
        .client
        .execute_async(PARTS_OF, vec![json!("dres/runs/")])
        .await?;
    assert!(runs.to_string().contains("THE-ANSWER-THAT-READS"), "{runs}");
    b.button("Download \u{201c}Results\u{201d} as it was stored")
        .await?
        .click()
        .await?;
    let file = downloads.join("promptwright-as-stored-results.json");
    let mut waited = 0;
    let want = copies[0][1].as_str().unwrap_or_default().to_owned();
    while std::fs::read_to_string(&file).unwrap_or_default() != want && waited < 100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += 1;
    }
    assert_eq!(std::fs::read_to_string(&file)?, want);
    // Import reads it back, with what reads (tryout 96: "not a Promptwright export").
    let d = DraftsPage::open(&b).await?;
    d.wait_count(2).await?;
    b.client
        .find(fantoccini::Locator::Css(
            "input[aria-label='Import drafts from a file']",
        ))
        .await?
        .send_keys(file.to_str().unwrap_or_default())
        .await?;
    d.wait_count(3).await?;
    b.wait_for_text("In \u{201c}Results (imported)\u{201d}: The result of case #2 (version 1) could not be read and was left out.")
        .await?;
    d.close().await?;
    // The draft deleted and brought back by Undo keeps its copy (the review of session 47:
    // the delete took it, and Undo wrote the draft back without it).
    let d = DraftsPage::open(&b).await?;
    b.button("Delete Results").await?.click().await?;
    b.button("Delete it").await?.click().await?;
    b.wait_for_text("Deleted \u{201c}Results\u{201d}.").await?;
    assert_eq!(
        b.client
            .execute_async(PARTS_OF, vec![json!("as-stored/dres/")])
            .await?,
        json!([])
    );
    b.button("Undo").await?.click().await?;
    d.wait_count(3).await?;
    let back = b
        .client
        .execute_async(PARTS_OF, vec![json!("as-stored/dres/")])
        .await?;
    assert_eq!(back, copies, "the copy came back with the draft");
    d.close().await?;
    b.button("Delete the kept copy of \u{201c}Results\u{201d}")
        .await?
        .click()
        .await?;
    b.wait_until(
        "return !document.body.innerText.includes('Delete the kept copy') && !document.body.innerText.includes('a copy of this draft as it was stored')",
        "the copy's buttons and message to go",
    )
    .await?;
    let copies = b
        .client
        .execute_async(PARTS_OF, vec![json!("as-stored/dres/")])
        .await?;
    assert_eq!(copies, json!([]));
    b.client.refresh().await?;
    b.wait_for_text("Your idea").await?;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(
        b.eval("return document.body.innerText.includes('as it was stored')")
            .await?,
        json!(false)
    );
    b.close().await?;
    Ok(())
}

/// Session 47's notes: near the storage quota, a save that must also keep a damaged draft as it
/// was stored failed (and every later one), and "Not saved" did not say the copy was the cause.
/// The notice says so, with the copy's size, its download and a save without it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_copy_the_full_storage_has_no_room_for_is_said_and_can_be_left() -> anyhow::Result<()>
{
    let (_site, b, downloads) = app_downloading("pw-kept-copy-full").await?;
    paste_version(&b, "one").await?;
    saved(&b).await;
    let damaged = json!({
        "id": "dfull", "rev": 1, "updated_ms": 1.0e12,
        "draft": {
            "name": "Full", "idea": {"idea": "an idea"}, "style": "markdown", "current": 1,
            "versions": [{"n": 1, "origin": {"kind": "pasted"}, "at": 1.0,
                "spec": {"persona": "You answer.", "context": "c", "steps": ["s"], "format": "f"}}],
            "cases": [{"id": 1, "input": "first"}, {"id": 2, "input": "second"}],
            "runs": [{"version": 1, "model": "m", "at": 1.0, "cases": [
                {"id": 1, "status": "done", "output": "THE-ANSWER-THAT-READS"},
                {"id": 2, "status": "exploded", "output": "x"}
            ]}]
        }
    })
    .to_string();
    let written = b
        .client
        .execute_async(PUT_RECORDS, vec![json!([["dfull", damaged]])])
        .await?;
    assert_eq!(written, json!("ok"));
    b.eval("localStorage.setItem('pw.current-draft', 'dfull'); return true")
        .await?;
    b.client.refresh().await?;
    b.wait_for_text("In \u{201c}Full\u{201d}: The result of case #2 (version 1) could not be read and was left out.")
        .await?;
    // The storage has room for the draft's own writes, not for the copy.
    b.eval(
        "const put = IDBObjectStore.prototype.put; \
         IDBObjectStore.prototype.put = function (v, k) { \
           if (typeof k === 'string' && k.startsWith('as-stored/')) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError'); \
           return put.apply(this, arguments); }; return true",
    )
    .await?;
    b.field("Persona").await?.type_text(" Be exact.").await?;
    b.wait_for_text("This save also keeps a copy of this draft as it was stored (about 1 KB")
        .await?;
    b.wait_for_text("Not saved").await?;
    // Downloaded from the notice, then left: the edit is saved, and no copy is stored.
    b.button("Download that copy of \u{201c}Full\u{201d}")
        .await?
        .click()
        .await?;
    let file = downloads.join("promptwright-as-stored-full.json");
    let mut waited = 0;
    while std::fs::read_to_string(&file).unwrap_or_default() != damaged && waited < 100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += 1;
    }
    assert_eq!(std::fs::read_to_string(&file)?, damaged);
    b.button("Save without keeping that copy")
        .await?
        .click()
        .await?;
    saved(&b).await;
    assert_eq!(
        b.eval("return document.body.innerText.includes('Not saved')")
            .await?,
        json!(false)
    );
    let stored = b
        .client
        .execute_async(PARTS_OF, vec![json!("dfull/")])
        .await?;
    assert!(stored.to_string().contains("Be exact."), "{stored}");
    assert!(
        stored.to_string().contains("THE-ANSWER-THAT-READS"),
        "{stored}"
    );
    assert_eq!(
        b.client
            .execute_async(PARTS_OF, vec![json!("as-stored/dfull/")])
            .await?,
        json!([])
    );
    b.close().await?;
    Ok(())
}

/// Writes `[key, text]` pairs into the `parts` store.
const PUT_PARTS: &str = r#"
const [pairs, done] = [arguments[0], arguments[arguments.length - 1]];
const open = indexedDB.open('promptwright');
open.onerror = () => done('open failed');
open.onsuccess = () => {
    const tx = open.result.transaction('parts', 'readwrite');
    for (const [key, text] of pairs) tx.objectStore('parts').put(text, key);
    tx.oncomplete = () => { open.result.close(); done('ok'); };
    tx.onerror = () => done('write failed');
};
"#;

/// Session 47's notes: a tab of an earlier build that deleted a draft left its copies kept as
/// stored, listed nowhere: kept, with no way to download or delete them. They are named, offered
/// for download and deleted when asked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_drafts_kept_copy_is_offered_and_can_be_deleted() -> anyhow::Result<()> {
    let (_site, b, downloads) = app_downloading("pw-orphan-copy").await?;
    paste_version(&b, "one").await?;
    saved(&b).await;
    let copy = json!({
        "id": "gone1", "rev": 3, "updated_ms": 1.0e12,
        "draft": {
            "name": "Gone draft", "idea": {"idea": "an idea"}, "style": "markdown", "current": 1,
            "versions": [{"n": 1, "origin": {"kind": "pasted"}, "at": 1.0,
                "spec": {"persona": "You answer.", "context": "c", "steps": ["s"], "format": "f"}}],
            "cases": [{"id": 1, "input": "first"}],
            "runs": [{"version": 1, "model": "m", "at": 1.0, "cases": [
                {"id": 1, "status": "exploded", "output": "x"}
            ]}]
        }
    })
    .to_string();
    let written = b
        .client
        .execute_async(PUT_PARTS, vec![json!([["as-stored/gone1/3", copy]])])
        .await?;
    assert_eq!(written, json!("ok"));
    b.client.refresh().await?;
    b.wait_for_text("A copy of \u{201c}Gone draft\u{201d} as it was stored before parts of it were left out is kept in this browser, though the draft itself was deleted")
        .await?;
    b.button("Download \u{201c}Gone draft\u{201d} as it was stored")
        .await?
        .click()
        .await?;
    let file = downloads.join("promptwright-as-stored-gone-draft.json");
    let mut waited = 0;
    while std::fs::read_to_string(&file).unwrap_or_default() != copy && waited < 100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += 1;
    }
    assert_eq!(std::fs::read_to_string(&file)?, copy);
    b.button("Delete the kept copy of \u{201c}Gone draft\u{201d}")
        .await?
        .click()
        .await?;
    b.wait_until(
        "return !document.body.innerText.includes('Gone draft')",
        "the copy's buttons and message to go",
    )
    .await?;
    assert_eq!(
        b.client
            .execute_async(PARTS_OF, vec![json!("as-stored/gone1/")])
            .await?,
        json!([])
    );
    b.close().await?;
    Ok(())
}

/// Tryout 115: the rescue downloads offered for damaged drafts went out with the person's key
/// in them and in their name (`promptwright-as-stored-sk-testkey-…json`), where every export
/// takes it out; and a draft whose record was cut, its parts whole, downloaded as stored, came
/// back from Import… as "nothing in it could be read". The key goes as "[API key removed]",
/// said, and the parts import as a draft, the record named as left out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rescue_downloads_hold_no_key_and_a_cut_record_imports_from_its_parts() -> anyhow::Result<()>
{
    let (_site, b, downloads) = app_downloading("pw-rescue").await?;
    let s = SettingsPage::open(&b).await?;
    s.provider("OpenAI").await?;
    s.key(KEY).await?;
    s.close().await?;
    paste_version(&b, "rescued").await?;
    b.button("Add case").await?.click().await?;
    b.field("Input of case #1")
        .await?
        .type_text(&format!("Omelette: eggs (use {KEY})"))
        .await?;
    saved(&b).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    saved(&b).await;
    // A copy of this draft whose record is cut to 60 characters, its parts whole.
    let id = b
        .eval("return localStorage.getItem('pw.current-draft')")
        .await?;
    let id = id.as_str().unwrap_or_default().to_owned();
    let parts = b
        .client
        .execute_async(PARTS_OF, vec![json!(format!("{id}/"))])
        .await?;
    let copied: Vec<serde_json::Value> = parts
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|p| {
            // The key split by a line break in the copy's case (a `\n` in the part's JSON
            // text, `\\n` once the part is inside the download's JSON: tryout 116).
            let text = p[1]
                .as_str()
                .unwrap_or_default()
                .replace(KEY, &KEY.replace("-9876", "-\\n9876"));
            json!([
                p[0].as_str().unwrap_or_default().replacen(&id, "dcut", 1),
                text
            ])
        })
        .collect();
    assert!(
        copied
            .iter()
            .any(|p| p[1].as_str().unwrap_or_default().contains("-\\n9876")),
        "the case with the key is in a part: {copied:?}"
    );
    let written = b
        .client
        .execute_async(PUT_PARTS, vec![json!(copied)])
        .await?;
    assert_eq!(written, json!("ok"));
    let record = b
        .client
        .execute_async(
            r#"const [id, done] = [arguments[0], arguments[arguments.length - 1]];
               const open = indexedDB.open('promptwright');
               open.onsuccess = () => {
                   const get = open.result.transaction('drafts').objectStore('drafts').get(id);
                   get.onsuccess = () => { open.result.close(); done(get.result ?? null); };
               };"#,
            vec![json!(id)],
        )
        .await?;
    let cut: String = record
        .as_str()
        .unwrap_or_default()
        .chars()
        .take(60)
        .collect();
    // A draft named with the key, one of its results damaged: kept as it was stored.
    let named = json!({
        "id": "dres", "rev": 1, "updated_ms": 1.0e12,
        "draft": {
            "name": format!("{KEY} notes"), "idea": {"idea": "an idea"}, "style": "markdown", "current": 1,
            "versions": [{"n": 1, "origin": {"kind": "pasted"}, "at": 1.0,
                "spec": {"persona": format!("You answer with {KEY}."), "context": KEY.replace("-9876", "-\n9876"), "steps": ["s"], "format": "f"}}],
            "cases": [{"id": 1, "input": "first"}],
            "runs": [{"version": 1, "model": "m", "at": 1.0, "cases": [{"id": 1, "status": "exploded", "output": "x"}]}]
        }
    })
    .to_string();
    let written = b
        .client
        .execute_async(PUT_RECORDS, vec![json!([["dcut", cut], ["dres", named]])])
        .await?;
    assert_eq!(written, json!("ok"));
    b.eval("localStorage.setItem('pw.current-draft', 'dres'); return true")
        .await?;
    b.client.refresh().await?;
    // Keys are in memory only: given again after the reload.
    let s = SettingsPage::open(&b).await?;
    s.provider("OpenAI").await?;
    s.key(KEY).await?;
    s.close().await?;
    b.wait_for_text("A saved draft (id dcut) could not be read at all")
        .await?;
    let read = |name: &str| {
        let file = downloads.join(name);
        async move {
            for _ in 0..100 {
                if let Ok(t) = std::fs::read_to_string(&file)
                    && t.ends_with('}')
                {
                    return Ok(t);
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            anyhow::bail!("{} was not downloaded", file.display())
        }
    };
    b.button("Download the unreadable draft dcut as stored")
        .await?
        .click()
        .await?;
    let unreadable = read("promptwright-unreadable-draft-dcut.json").await?;
    assert!(
        !unreadable.contains("9876543210") && unreadable.contains("[API key removed]"),
        "{unreadable}"
    );
    b.wait_for_text("Downloaded promptwright-unreadable-draft-dcut.json (in your browser's downloads). Your API key was in what the file holds (")
        .await?;
    b.button(&format!(
        "Download \u{201c}{KEY} notes\u{201d} as it was stored"
    ))
    .await?
    .click()
    .await?;
    let kept = read("promptwright-as-stored-api-key-removed-notes.json").await?;
    // Tryout 116: the key split by a line break (`\\n` in the record's text inside the file)
    // went as it was.
    assert!(!kept.contains("9876543210"), "{kept}");
    let names: Vec<String> = std::fs::read_dir(&downloads)?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().to_lowercase())
        .collect();
    assert!(
        !names
            .iter()
            .any(|n| n.contains("shareleak") || n.contains("9876543210")),
        "{names:?}"
    );
    // The cut draft's download imports from its parts: its prompt and its case.
    let d = DraftsPage::open(&b).await?;
    let before = d.names().await?.len();
    b.client
        .find(fantoccini::Locator::Css(
            "input[aria-label='Import drafts from a file']",
        ))
        .await?
        .send_keys(
            downloads
                .join("promptwright-unreadable-draft-dcut.json")
                .to_str()
                .unwrap_or_default(),
        )
        .await?;
    b.wait_for_text("Imported 1 draft. Not everything in the file came in")
        .await?;
    b.wait_for_text(
        "The draft's own record (its name, idea and settings) could not be read and was left out.",
    )
    .await?;
    d.wait_count(before + 1).await?;
    d.close().await?;
    b.close().await?;
    Ok(())
}
