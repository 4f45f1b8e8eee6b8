// Promptwright's service worker: lets the app open with no network after the first visit.
// On install it precaches every file of this build (the list and the build's name are written by
// scripts/post_build.py); on activate it drops the caches of older builds. The page (navigation)
// is fetched from the network first, falling back to the cached copy; other files of this origin
// come from the cache first. Model calls (other hosts, POST) are never touched.
const BUILD = "/*BUILD*/";
const ASSETS = [/*ASSETS*/];
const PREFIX = "promptwright-";
const CACHE = PREFIX + BUILD;

self.addEventListener("install", (event) => {
  // cache: "no-cache" asks the server whether each file changed (a conditional request on the
  // copy in the HTTP cache): the precache holds what the server has now, and a server that
  // answers "not modified" (static hosts do) does not send a file the page has just downloaded
  // a second time.
  event.waitUntil(
    caches.open(CACHE)
      .then((c) => c.addAll(ASSETS.map((u) => new Request(u, { cache: "no-cache" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(
        keys.filter((k) => k.startsWith(PREFIX) && k !== CACHE).map((k) => caches.delete(k)),
      ))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== self.location.origin) return;
  if (req.mode === "navigate") {
    event.respondWith(
      fetch(req)
        .then((res) => {
          if (res.ok) {
            const copy = res.clone();
            caches.open(CACHE).then((c) => c.put("./", copy));
          }
          return res;
        })
        .catch(() => caches.open(CACHE).then((c) => c.match("./"))),
    );
    return;
  }
  event.respondWith(
    caches.open(CACHE).then((c) => c.match(req, { ignoreSearch: true }).then((hit) => hit || fetch(req))),
  );
});
