// Keeps what is typed in the static idea box of index.html (usable while the app's code
// downloads) in this browser as it is typed, so that a reload after a broken download brings it
// back, and says so when the app's code cannot load. When the app starts, src/ui/boot.rs takes
// the box's text (and the focus and caret) into the app's idea box and forgets this copy.
(() => {
  // The theme chosen in the app (`state::ThemeHandle`, "pw.theme"), before the first paint: a
  // dark choice does not flash light while the code downloads.
  try {
    const theme = localStorage.getItem("pw.theme");
    if (theme === "light" || theme === "dark") {
      document.documentElement.setAttribute("data-theme", theme);
    }
  } catch (_) {}
  const KEY = "pw.boot-idea";
  const box = document.getElementById("pw-boot-idea");
  const status = document.getElementById("pw-boot-status");
  if (!box) return;
  // Storage refused (a private window's policy, a full quota): the box still works for this
  // load, and the page does not promise to keep it across a reload.
  let storable = true;
  // The app's code did not arrive (its loader failed).
  let failed = false;
  const say = () => {
    if (!status || !document.getElementById("pw-boot-idea")) return;
    if (failed) {
      status.textContent = storable
        ? "Promptwright could not load (the connection may have dropped). What you typed is kept in this browser: reload the page to try again."
        : "Promptwright could not load (the connection may have dropped). This browser cannot keep what you typed: copy it, then reload the page to try again.";
      status.classList.add("pw-hint--bad");
    } else if (!storable) {
      status.textContent =
        "Loading Promptwright… You can write your idea meanwhile; this browser cannot keep it if the page is reloaded before Promptwright starts.";
    }
  };
  try {
    const kept = localStorage.getItem(KEY);
    if (kept && !box.value) box.value = kept;
  } catch (_) {
    storable = false;
    say();
  }
  box.addEventListener("input", () => {
    try {
      if (box.value) localStorage.setItem(KEY, box.value);
      else localStorage.removeItem(KEY);
    } catch (_) {
      storable = false;
      say();
    }
  });
  // The app's loader (Trunk's module script) fails with an error or a rejected promise when its
  // code does not arrive; while the static box is still on the page, the app has not started.
  const fail = () => {
    failed = true;
    say();
  };
  window.addEventListener("error", fail, true);
  window.addEventListener("unhandledrejection", fail);
})();
