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
  try {
    const kept = localStorage.getItem(KEY);
    if (kept && !box.value) box.value = kept;
  } catch (_) {
    // Storage refused (a private window's policy): the box still works for this load.
  }
  box.addEventListener("input", () => {
    try {
      if (box.value) localStorage.setItem(KEY, box.value);
      else localStorage.removeItem(KEY);
    } catch (_) {}
  });
  // The app's loader (Trunk's module script) fails with an error or a rejected promise when its
  // code does not arrive; while the static box is still on the page, the app has not started.
  const failed = () => {
    if (!status || !document.getElementById("pw-boot-idea")) return;
    status.textContent =
      "Promptwright could not load (the connection may have dropped). What you typed is kept in this browser: reload the page to try again.";
    status.classList.add("pw-hint--bad");
  };
  window.addEventListener("error", failed, true);
  window.addEventListener("unhandledrejection", failed);
})();
