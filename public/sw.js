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
  // Each file is checked before it is kept (tryout 70: a host that answers a missing file with
  // the page, status 200, had the page kept as the wasm chunk, for the build's whole life): a
  // .wasm must be a whole, valid module, a .js must not be HTML. One bad file fails the
  // install, and the next visit tries again.
  event.waitUntil(
    caches.open(CACHE)
      .then((c) => Promise.all(ASSETS.map((u) => fetch(new Request(u, { cache: "no-cache" }))
        .then((res) => checked(u, res))
        .then((res) => c.put(u, res)))))
      .then(() => self.skipWaiting()),
  );
});

async function checked(url, res) {
  if (!res.ok) throw new Error(url + ": HTTP " + res.status);
  const type = res.headers.get("Content-Type") || "";
  if (url.endsWith(".wasm")) {
    // The whole module is validated: a download cut short still starts with the magic number
    // (tryout 72: half a chunk was kept, and the cards never loaded again).
    if (!WebAssembly.validate(await res.clone().arrayBuffer())) {
      throw new Error(url + ": not a whole WebAssembly module");
    }
  } else if (url.endsWith(".js") && type.includes("html")) {
    throw new Error(url + ": HTML, not JavaScript");
  }
  return res;
}

// The page of this build names its main module's JS: a page that names another (a newer build
// served while this worker still runs) is not kept in place of this build's, which would leave
// the offline copy pointing at files it does not have (tryout 70).
const MAIN_JS = ASSETS.find((u) => /\/promptwright-[0-9a-f]+\.js$/.test(u)) || null;
function ofThisBuild(res) {
  if (!MAIN_JS) return Promise.resolve(true);
  return res.clone().text().then((t) => t.includes(MAIN_JS.slice(2)));
}

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
            ofThisBuild(res).then((same) => same && caches.open(CACHE).then((c) => c.put("./", copy)));
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
