/* The crew app's service worker: the shell and the day's list from the cache when there is no signal. */
const VERSION = "{{ version }}";
const CACHE = "kawal-kru-" + VERSION;
const SHELL = ["/kru", {% for f in files %}"/static/{{ f }}", {% endfor %}"/kru/manifest.webmanifest"];
{% raw %}
// GET endpoints whose last answer is good enough offline (network first: fresh whenever there is signal)
const DATA = ["/kru/api/session", "/kru/api/vehicles", "/kru/api/day", "/kru/api/complaints"];

self.addEventListener("install", (event) => {
  // "reload": straight from the server, never a stale copy of the browser's HTTP cache
  const fresh = SHELL.map((url) => new Request(url, { cache: "reload", credentials: "same-origin" }));
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(fresh)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith("kawal-kru-") && k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

async function networkFirst(request, cacheKey) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    // only a real answer replaces the copy: never a redirect to sign-in or an error page
    if (response.ok && !response.redirected) await cache.put(cacheKey || request, response.clone());
    return response;
  } catch (offline) {
    const cached = await cache.match(cacheKey || request);
    if (cached) return cached;
    throw offline;
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;  // confirmations go through the app's own queue, never the cache
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname === "/kru") {
    event.respondWith(networkFirst(request, "/kru"));
  } else if (DATA.includes(url.pathname)) {
    event.respondWith(networkFirst(request));
  } else if (url.pathname.startsWith("/kru/api/photos/")) {
    event.respondWith(cacheFirst(request));
  } else if (SHELL.includes(url.pathname)) {
    event.respondWith(cacheFirst(request));
  }
});
{% endraw %}
