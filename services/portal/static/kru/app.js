/* Kawal Kru: the crew's phone app. Offline first: what is tapped waits in IndexedDB with the Idempotency-Key
   made at the tap, and is sent (again, with the same key) until the server has answered. No framework. */
"use strict";

const $ = (id) => document.getElementById(id);
const DB_NAME = "kawal-kru";
const STORE = "queue";
const SYNC_EVERY_MS = 20000;
const FIX_MAX_AGE_MS = 60000;
const PHOTO_MAX_PX = 1600;

const state = {
  session: null,  // {user, csrf, today}
  vehicle: null,  // {id, plate, date}
  day: null,      // the day's list as the portal gave it
  complaints: [],
  queue: [],
  fix: null,      // {lat, lon, accuracy, at}
  tab: "hari",
  sheet: null,    // what the open sheet will queue
  syncing: false,
  signInNeeded: false,
};

/* ---------- words a driver reads ---------- */

const REFUSALS = {
  stale: "kedaluwarsa (terkirim terlalu lama setelah diangkut)",
  before_window: "di luar jendela (sebelum jam mulai)",
  window_closed: "di luar jendela (lewat batas waktu)",
  future: "jam HP tidak cocok dengan jam server",
  already_confirmed: "sudah dikonfirmasi sebelumnya",
  excused: "dibebaskan oleh Dinas",
  contract_not_active: "kontrak tidak aktif",
  unknown_photo: "foto tidak dikenal server",
  photo_too_large: "foto terlalu besar",
  not_an_image: "foto tidak terbaca",
  unsupported_photo_type: "jenis foto tidak diterima",
  already_resolved: "pengaduan sudah diselesaikan",
  not_found: "tidak ditemukan (bukan milik perusahaan Anda)",
  invalid: "data tidak lengkap",
};

// refusals a new tap can fix (a photo, the phone's clock); the others are final for that pickup
const RETRYABLE = new Set(["unknown_photo", "photo_too_large", "not_an_image", "unsupported_photo_type", "invalid",
                           "future"]);

function refusalText(code) {
  return "Ditolak: " + (REFUSALS[code] || code);
}

function verdictText(verdict) {
  if (verdict.supersedes_missed) return ["Terkirim — terlambat (menggantikan catatan terlewat)", "late"];
  if (verdict.off_site) return ["Terkirim — di luar lokasi", "offsite"];
  if (verdict.on_time) return ["Terkirim — tepat waktu", "ok"];
  return ["Terkirim — terlambat", "late"];
}

function itemFate(item) {
  if (item.state === "sent") {
    if (item.kind === "resolve") {
      const days = (item.verdict && item.verdict.overdue_days) || 0;
      return [days > 0 ? `Terkirim — selesai, terlambat ${days} hari` : "Terkirim — pengaduan selesai", days ? "late" : "ok"];
    }
    return verdictText(item.verdict || {});
  }
  if (item.state === "refused") return [refusalText(item.code), "bad"];
  if (state.signInNeeded) return ["Menunggu — masuk lagi untuk mengirim", "wait"];
  return [navigator.onLine ? "Menunggu dikirim…" : "Menunggu sinyal — tersimpan di HP", "wait"];
}

function serverStatusText(stop) {
  if (stop.status === "confirmed") {
    if (stop.superseded_miss) return ["Sudah — terlambat (menggantikan terlewat)", "late"];
    if (stop.off_site) return ["Sudah — di luar lokasi", "offsite"];
    return stop.on_time ? ["Sudah — tepat waktu", "ok"] : ["Sudah — terlambat", "late"];
  }
  if (stop.status === "missed") return ["Terlewat", "bad"];
  if (stop.status === "excused") return ["Dibebaskan Dinas", "ok"];
  return ["Belum diangkut", "todo"];
}

/* ---------- IndexedDB: the queue ---------- */

let dbPromise = null;
function db() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const open = indexedDB.open(DB_NAME, 1);
      open.onupgradeneeded = () => open.result.createObjectStore(STORE, { keyPath: "key" });
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
  }
  return dbPromise;
}

async function tx(mode, work) {
  const database = await db();
  return new Promise((resolve, reject) => {
    const t = database.transaction(STORE, mode);
    const result = work(t.objectStore(STORE));
    t.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
    t.onerror = () => reject(t.error);
  });
}

const putItem = (item) => tx("readwrite", (s) => s.put(item));
const deleteItem = (key) => tx("readwrite", (s) => s.delete(key));
const KEEP_ANSWERED_MS = 3 * 24 * 3600 * 1000;

async function pruneAnswered() {
  // what the server answered stays on the phone three days (to read its fate), then goes
  const now = Date.now();
  for (const item of (await allItems()) || []) {
    if (item.state !== "waiting" && now - Date.parse(item.created_at) > KEEP_ANSWERED_MS) await deleteItem(item.key);
  }
}
const allItems = () => tx("readonly", (s) => s.getAll());

async function loadQueue() {
  state.queue = ((await allItems()) || []).sort((a, b) => a.created_at.localeCompare(b.created_at));
}

/* ---------- the server ---------- */

function csrf() {
  return (state.session && state.session.csrf) || document.querySelector('meta[name="csrf-token"]').content;
}

async function getJSON(path) {
  const response = await fetch(path, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (response.status === 401 || response.redirected) throw Object.assign(new Error("signin"), { signin: true });
  if (!response.ok) throw Object.assign(new Error("http " + response.status), { status: response.status });
  return response.json();
}

function post(path, body, key) {
  const headers = { "X-CSRF-Token": csrf(), Accept: "application/json" };
  if (key) headers["Idempotency-Key"] = key;
  if (!(body instanceof FormData)) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(body);
  }
  return fetch(path, { method: "POST", credentials: "same-origin", headers, body });
}

function remember(name, value) {
  try { localStorage.setItem("kru." + name, JSON.stringify(value)); } catch (full) { /* the list is refetched */ }
}

function recall(name) {
  try { return JSON.parse(localStorage.getItem("kru." + name)); } catch (bad) { return null; }
}

async function refreshSession() {
  try {
    state.session = await getJSON("/kru/api/session");
    state.signInNeeded = false;
    remember("session", state.session);
  } catch (error) {
    if (error.signin) state.signInNeeded = true;
  }
}

/* ---------- sending the queue ---------- */

async function sendItem(item) {
  if (item.photo && !item.photo_sha256) {
    const form = new FormData();
    form.append("photo", item.photo, "foto.jpg");
    const uploaded = await post("/kru/api/photos", form);
    const outcome = await settle(item, uploaded);
    if (outcome !== "ok") return outcome;
    item.photo_sha256 = item._answer.sha256;
    item.had_photo = true;
    item.photo = null;  // the server holds it now: the phone's storage is small
    await putItem(strip(item));
  }
  const body = Object.assign({}, item.body);
  if (item.photo_sha256) body.photo_sha256 = item.photo_sha256;
  const path = item.kind === "confirm"
    ? `/kru/api/pickups/${item.target_id}/confirmation`
    : `/kru/api/complaints/${item.target_id}/resolution`;
  const answer = await post(path, body, item.kind === "confirm" ? item.key : null);
  const outcome = await settle(item, answer);
  if (outcome === "ok") {
    item.state = "sent";
    item.verdict = item._answer;
    item.sent_at = new Date().toISOString();
    await putItem(strip(item));
  }
  return outcome;
}

// ok: answered; refused: the server said no (kept, with its reason); stop: try again later
async function settle(item, response) {
  let body = null;
  try { body = await response.json(); } catch (notJson) { body = null; }
  if (response.ok) {
    item._answer = body;
    return "ok";
  }
  if (response.status === 401) {
    state.signInNeeded = true;
    return "stop";
  }
  if (response.status === 403) {  // an old form token (signed in again since): fetch the new one, try later
    await refreshSession();
    return "stop";
  }
  if (response.status >= 500 || response.status === 429 || !body || !body.error) return "stop";
  item.state = "refused";
  item.code = body.error.code;
  item.message = body.error.message;
  await putItem(strip(item));
  return "refused";
}

function strip(item) {
  const copy = Object.assign({}, item);
  delete copy._answer;
  return copy;
}

async function sync() {
  if (state.syncing) {
    state.syncAgain = true;  // a tap or a new item during a pass: one more pass when this one ends
    return;
  }
  state.syncing = true;
  state.syncAgain = false;
  try {
    if (navigator.onLine && (!state.session || state.signInNeeded)) await refreshSession();
    await loadQueue();
    for (const item of state.queue.filter((i) => i.state === "waiting")) {
      let outcome;
      try {
        outcome = await sendItem(item);
      } catch (noSignal) {
        outcome = "stop";  // fetch failed: no network; everything stays queued
      }
      if (outcome === "stop") break;
    }
    await loadQueue();
    if (navigator.onLine && state.vehicle) await loadDay();
  } finally {
    state.syncing = false;
    render();
  }
  if (state.syncAgain) sync();
}

/* ---------- the day ---------- */

async function loadDay() {
  try {
    const day = await getJSON(`/kru/api/day?vehicle_id=${encodeURIComponent(state.vehicle.id)}`);
    day.fetched_at = new Date().toISOString();
    state.day = day;
    remember("day", day);
  } catch (error) {
    if (error.signin) state.signInNeeded = true;
  }
  try {
    const complaints = await getJSON("/kru/api/complaints");
    state.complaints = complaints.items;
    remember("complaints", state.complaints);
  } catch (error) {
    if (error.signin) state.signInNeeded = true;
  }
}

const PLATE_FILTER_FROM = 6;  // a longer list gets the plate filter (a contractor may run 50 trucks)

function plateKey(text) {
  return text.toUpperCase().replace(/[^0-9A-Z]/g, "");  // "bm8123", "BM 8123 RU" and "8123 ru" all match
}

async function chooseVehicle() {
  showTab("kendaraan");
  const list = $("vehicles");
  const find = $("plate-find");
  find.hidden = true;
  list.replaceChildren(el("li", { className: "muted" }, "Memuat kendaraan…"));
  try {
    const vehicles = (await getJSON("/kru/api/vehicles")).items;
    const items = vehicles.map((vehicle) => {
      const item = el("li", {}, button(vehicle.plate, () => pickVehicle(vehicle), "button wide"));
      item.dataset.key = plateKey(vehicle.plate);
      return item;
    });
    list.replaceChildren(...items);
    if (!vehicles.length) list.replaceChildren(el("li", {}, "Belum ada kendaraan untuk perusahaan Anda."));
    if (vehicles.length >= PLATE_FILTER_FROM) {
      const input = $("plate-filter");
      input.value = "";
      find.hidden = false;
      filterPlates(items);
      input.oninput = () => filterPlates(items);
      input.onkeydown = (event) => {  // Enter takes the first truck left; the arrow down moves into the list
        const shown = items.filter((item) => !item.hidden);
        if (event.key === "Enter" && shown.length) {
          event.preventDefault();
          shown[0].querySelector("button").click();
        } else if (event.key === "ArrowDown" && shown.length) {
          event.preventDefault();
          shown[0].querySelector("button").focus();
        }
      };
    }
  } catch (error) {
    list.replaceChildren(el("li", { className: "notice" }, error.signin
      ? "Masuk lagi untuk memilih kendaraan." : "Tidak ada sinyal. Pilih kendaraan saat ada sinyal."));
  }
}

function filterPlates(items) {
  const wanted = plateKey($("plate-filter").value);
  let shown = 0;
  for (const item of items) {
    item.hidden = !item.dataset.key.includes(wanted);
    if (!item.hidden) shown += 1;
  }
  $("plate-count").textContent = !wanted ? `${items.length} kendaraan`
    : shown ? `${shown} dari ${items.length} kendaraan` : "Tidak ada kendaraan dengan nomor itu.";
}

async function pickVehicle(vehicle) {
  state.vehicle = { id: vehicle.id, plate: vehicle.plate, date: today() };
  remember("vehicle", state.vehicle);
  state.day = null;
  showTab("hari");
  await loadDay();
  render();
}

function today() {
  return (state.session && state.session.today) || new Date().toISOString().slice(0, 10);
}

/* ---------- GPS ---------- */

function watchPosition() {
  if (!("geolocation" in navigator)) {
    $("gps").textContent = "HP ini tidak memberi lokasi.";
    return;
  }
  navigator.geolocation.watchPosition((position) => {
    state.fix = { lat: position.coords.latitude, lon: position.coords.longitude,
                  accuracy: Math.round(position.coords.accuracy), at: Date.now() };
    renderGps();
    renderStops();
    renderSheetGps();
  }, () => {
    $("gps").textContent = "Lokasi belum didapat. Nyalakan GPS / izinkan lokasi.";
    $("gps").className = "gps bad";
  }, { enableHighAccuracy: true, maximumAge: 10000, timeout: 30000 });
}

function freshFix() {
  return new Promise((resolve) => {
    if (state.fix && Date.now() - state.fix.at < FIX_MAX_AGE_MS) return resolve(state.fix);
    if (!("geolocation" in navigator)) return resolve(null);
    navigator.geolocation.getCurrentPosition((position) => {
      state.fix = { lat: position.coords.latitude, lon: position.coords.longitude,
                    accuracy: Math.round(position.coords.accuracy), at: Date.now() };
      resolve(state.fix);
    }, () => resolve(state.fix), { enableHighAccuracy: true, maximumAge: 10000, timeout: 15000 });
  });
}

function distanceM(a, b) {
  const rad = Math.PI / 180, dLat = (b.lat - a.lat) * rad, dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371008.8 * Math.asin(Math.min(1, Math.sqrt(h)));
}

function distanceText(metres) {
  return metres < 1000 ? `${Math.round(metres)} m` : `${(metres / 1000).toFixed(1).replace(".", ",")} km`;
}

/* ---------- taps ---------- */

function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function openConfirm(stop) {
  // the moment and the key are the tap's: a retry days later still says when the crew was there
  state.sheet = { kind: "confirm", key: newKey(), target_id: stop.pickup_id, collected_at: new Date(),
                  label: stop.point.name, place: stop.point, photo: null };
  openSheet("Sudah diangkut", stop.point.name, false);
  await freshFix();
  renderSheetGps();
}

function openResolve(complaint) {
  state.sheet = { kind: "resolve", key: newKey(), target_id: complaint.id, collected_at: new Date(),
                  label: complaint.point.name, place: complaint.point, photo: null };
  openSheet("Selesaikan pengaduan", complaint.point.name, true);
}

function openSheet(title, place, noteRequired) {
  $("sheet-title").textContent = title;
  $("sheet-place").textContent = place;
  $("sheet-time").textContent = "Waktu: " + clockText(state.sheet.collected_at);
  $("sheet-note").value = "";
  $("sheet-note-label").firstChild.textContent = noteRequired ? "Catatan (wajib) " : "Catatan ";
  $("sheet-note-label").lastChild.textContent = noteRequired ? "" : "(boleh kosong)";
  $("sheet-photo").value = "";
  $("sheet-preview").hidden = true;
  $("sheet-error").hidden = true;
  $("sheet-save").textContent = navigator.onLine ? "Simpan dan kirim" : "Simpan (terkirim saat ada sinyal)";
  $("sheet").hidden = false;
  renderSheetGps();
  $("sheet-save").focus();
}

function renderSheetGps() {
  if (!state.sheet || $("sheet").hidden) return;
  if (state.sheet.kind !== "confirm") {
    $("sheet-gps").textContent = "";
    return;
  }
  const fix = state.fix;
  if (!fix) {
    $("sheet-gps").textContent = "Lokasi: menunggu GPS…";
    return;
  }
  const away = state.sheet.place.lat != null ? `, ${distanceText(distanceM(fix, state.sheet.place))} dari titik` : "";
  $("sheet-gps").textContent = `Lokasi: akurasi ± ${fix.accuracy} m${away}`;
}

async function shrink(file) {
  // a cheap phone's 8 MB photo becomes ~300 KB: less to keep, less to send on a weak signal
  try {
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, PHOTO_MAX_PX / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    return await new Promise((resolve) => canvas.toBlob((blob) => resolve(blob || file), "image/jpeg", 0.8));
  } catch (unreadable) {
    return file;  // the server says whether it can read it
  }
}

async function onPhoto() {
  const file = $("sheet-photo").files[0];
  if (!file || !state.sheet) return;
  state.sheet.photo = await shrink(file);
  const preview = $("sheet-preview");
  preview.src = URL.createObjectURL(state.sheet.photo);
  preview.hidden = false;
}

async function saveSheet() {
  const sheet = state.sheet;
  if (!sheet) return;
  const note = $("sheet-note").value.trim();
  let body;
  if (sheet.kind === "confirm") {
    const fix = state.fix;
    if (!fix) return sheetError("Lokasi belum didapat. Tunggu GPS sebentar lalu tekan lagi.");
    sheet.accuracy = fix.accuracy;
    const gpsNote = `akurasi GPS ±${fix.accuracy} m`;
    body = { collected_at: sheet.collected_at.toISOString(), lat: fix.lat, lon: fix.lon,
             note: note ? `${note} (${gpsNote})` : gpsNote };
  } else {
    if (!note) return sheetError("Tulis catatan penyelesaian.");
    body = { note, resolved_at: sheet.collected_at.toISOString() };
  }
  const item = { key: sheet.key, kind: sheet.kind, target_id: sheet.target_id, label: sheet.label, body,
                 photo: sheet.photo, photo_sha256: null, accuracy: sheet.accuracy || null, state: "waiting",
                 created_at: sheet.collected_at.toISOString() };
  await putItem(item);
  closeSheet();
  await loadQueue();
  render();
  sync();
}

function sheetError(message) {
  $("sheet-error").textContent = message;
  $("sheet-error").hidden = false;
}

function closeSheet() {
  state.sheet = null;
  $("sheet").hidden = true;
}

/* ---------- drawing ---------- */

function el(tag, props, ...children) {
  const node = Object.assign(document.createElement(tag), props || {});
  for (const child of children) if (child != null) node.append(child);
  return node;
}

function button(text, onclick, className) {
  return el("button", { type: "button", className: className || "button", onclick }, text);
}

function fate(text, kind) {
  return el("span", { className: `fate ${kind}` }, text);
}

function clockText(date) {
  return date.toLocaleTimeString("id-ID", { hour: "2-digit", minute: "2-digit", timeZone: "Asia/Jakarta" });
}

function latestItemFor(kind, targetId) {
  const items = state.queue.filter((i) => i.kind === kind && i.target_id === targetId);
  return items.find((i) => i.state !== "refused") || items[items.length - 1] || null;
}

function renderStops() {
  const list = $("stops");
  if (!state.day) {
    list.replaceChildren(el("li", { className: "muted" }, navigator.onLine ? "Memuat daftar…" : "Belum ada daftar tersimpan. Buka saat ada sinyal."));
    return;
  }
  $("day-title").textContent = `${state.day.vehicle.plate}`;
  $("day-updated").textContent = `${state.day.stops.length} titik · daftar ${state.day.date}, diperbarui ${clockText(new Date(state.day.fetched_at))}`;
  if (!state.day.stops.length) {
    list.replaceChildren(el("li", { className: "card" }, "Tidak ada pengangkutan untuk kendaraan ini hari ini."));
    return;
  }
  list.replaceChildren(...state.day.stops.map((stop, index) => {
    const item = latestItemFor("confirm", stop.pickup_id);
    const [text, kind] = item ? itemFate(item) : serverStatusText(stop);
    const away = state.fix && stop.point.lat != null ? distanceText(distanceM(state.fix, stop.point)) + " dari Anda" : "";
    const open = !item || (item.state === "refused" && RETRYABLE.has(item.code));
    const canConfirm = open && (stop.status === "scheduled" || stop.status === "missed");
    const card = el("li", { className: `card ${item && item.state === "waiting" ? "waiting" : kind === "ok" ? "done" : kind === "bad" ? "refused" : ""}` },
      el("h3", {}, el("span", { className: "seq" }, String(index + 1)), stop.point.name),
      el("p", { className: "meta" }, `${stop.point.kelurahan} · rute ${stop.route}, titik ${stop.seq}`),
      el("p", { className: "meta" }, el("strong", {}, `Jam ${stop.window}`), away ? ` · ${away}` : ""),
      fate(text, kind));
    card.dataset.pickup = stop.pickup_id;
    if (canConfirm) card.append(button("Sudah diangkut", () => openConfirm(stop)));
    return card;
  }));
}

function renderQueue() {
  const waiting = state.queue.filter((i) => i.state === "waiting").length;
  $("queue-count").textContent = waiting ? String(waiting) : "";
  const list = $("queue");
  if (!state.queue.length) {
    list.replaceChildren(el("li", { className: "muted" }, "Belum ada kiriman."));
    return;
  }
  list.replaceChildren(...state.queue.slice().reverse().map((item) => {
    const [text, kind] = itemFate(item);
    const card = el("li", { className: `card ${item.state === "waiting" ? "waiting" : kind === "bad" ? "refused" : "done"}` },
      el("h3", {}, item.label),
      el("p", { className: "meta" }, `${item.kind === "confirm" ? "Diangkut" : "Pengaduan selesai"} pukul ${clockText(new Date(item.created_at))}`
        + (item.photo || item.had_photo ? " · dengan foto" : "") + (item.accuracy ? ` · GPS ±${item.accuracy} m` : "")),
      fate(text, kind),
      item.photo_sha256 && item.state === "sent"
        ? el("img", { className: "thumb", alt: `Foto ${item.label}`, loading: "lazy",
                      src: `/kru/api/photos/${item.photo_sha256}` }) : null,
      el("p", { className: "key" }, `kunci ${item.key}`));
    card.dataset.key = item.key;
    card.dataset.state = item.state;
    return card;
  }));
}

function renderComplaints() {
  const open = state.complaints.filter((c) => !latestItemFor("resolve", c.id) || latestItemFor("resolve", c.id).state === "refused");
  $("complaint-count").textContent = open.length ? String(open.length) : "";
  const list = $("complaints");
  // resolved ones leave the server's list of open complaints; the phone still shows what became of them
  const known = new Set(state.complaints.map((c) => c.id));
  const settled = state.queue.filter((i) => i.kind === "resolve" && !known.has(i.target_id)).map((item) => {
    const [text, kind] = itemFate(item);
    return el("li", { className: `card ${kind === "bad" ? "refused" : "done"}` }, el("h3", {}, item.label),
      el("p", { className: "meta" }, item.body.note), fate(text, kind));
  });
  if (!state.complaints.length && !settled.length) {
    list.replaceChildren(el("li", { className: "muted" }, "Tidak ada pengaduan terbuka."));
    return;
  }
  list.replaceChildren(...settled, ...state.complaints.map((complaint) => {
    const item = latestItemFor("resolve", complaint.id);
    const [text, kind] = item ? itemFate(item)
      : complaint.status === "overdue" ? ["Lewat batas waktu", "bad"] : ["Terbuka", "todo"];
    const card = el("li", { className: `card ${kind === "bad" ? "refused" : ""}` },
      el("h3", {}, complaint.point.name),
      el("p", { className: "meta" }, complaint.description),
      el("p", { className: "meta" }, el("strong", {}, `Batas: ${complaint.due}`), complaint.priority ? " · prioritas" : ""),
      fate(text, kind));
    if (!item || item.state === "refused") card.append(button("Selesaikan", () => openResolve(complaint)));
    return card;
  }));
}

function renderGps() {
  const fix = state.fix;
  if (!fix) return;
  $("gps").className = fix.accuracy > 100 ? "gps bad" : "gps";
  $("gps").textContent = `Lokasi HP: akurasi ± ${fix.accuracy} m`;
}

function renderNet() {
  const online = navigator.onLine;
  $("net").textContent = online ? "Ada sinyal" : "Tanpa sinyal";
  $("net").className = online ? "net" : "net offline";
  const notice = $("notice");
  if (state.signInNeeded) {
    notice.replaceChildren("Sesi habis. ", el("a", { href: "/masuk?next=/kru" }, "Masuk lagi"),
      " — kiriman yang tersimpan tetap aman dan dikirim setelah masuk.");
    notice.hidden = false;
  } else {
    notice.hidden = true;
  }
}

function render() {
  renderNet();
  renderStops();
  renderQueue();
  renderComplaints();
}

function showTab(name) {
  state.tab = name;
  for (const panel of document.querySelectorAll(".tab-panel")) panel.hidden = panel.id !== `tab-${name}`;
  for (const tab of document.querySelectorAll(".tab")) {
    if (tab.dataset.tab === name) tab.setAttribute("aria-current", "page");
    else tab.removeAttribute("aria-current");
  }
}

/* ---------- start ---------- */

async function start() {
  for (const tab of document.querySelectorAll(".tab")) {
    tab.addEventListener("click", () => {
      if (tab.dataset.tab === "hari" && !state.vehicle) chooseVehicle();
      else showTab(tab.dataset.tab);
    });
  }
  $("change-vehicle").addEventListener("click", chooseVehicle);
  $("sync-now").addEventListener("click", sync);
  $("sheet-save").addEventListener("click", saveSheet);
  $("sheet-cancel").addEventListener("click", closeSheet);
  $("sheet-photo").addEventListener("change", onPhoto);
  $("sheet-note").addEventListener("input", () => { $("sheet-error").hidden = true; });
  $("signout").addEventListener("submit", (event) => {
    const waiting = state.queue.filter((i) => i.state === "waiting").length;
    if (waiting && !confirm(`${waiting} kiriman belum terkirim. Tetap keluar? (kiriman tetap tersimpan di HP)`)) event.preventDefault();
  });
  window.addEventListener("online", () => { renderNet(); sync(); });
  window.addEventListener("offline", render);

  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/kru/sw.js", { scope: "/kru" }).catch((error) => console.warn("service worker:", error));
  state.session = recall("session");
  state.day = recall("day");
  state.complaints = recall("complaints") || [];
  state.vehicle = recall("vehicle");
  await pruneAnswered();
  await loadQueue();
  if (navigator.onLine) await refreshSession();
  if (state.vehicle && state.vehicle.date !== today()) state.vehicle = null;  // a new day: which truck today?
  if (state.day && state.vehicle && state.day.vehicle.id !== state.vehicle.id) state.day = null;
  watchPosition();
  if (state.vehicle) showTab("hari");
  else await chooseVehicle();
  render();
  sync();  // on every start: whatever waited is sent first
  setInterval(() => { if (navigator.onLine) sync(); }, SYNC_EVERY_MS);
}

start();
