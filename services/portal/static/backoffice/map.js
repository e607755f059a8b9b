/* Maps of the back office: points, a geofence and a GPS fix, from data-* attributes (no inline script).
   Vector markers (circles) need no image, so they render when the tiles cannot load. */
(function () {
  "use strict";
  function num(el, name) { var v = el.getAttribute("data-" + name); return v === null ? null : parseFloat(v); }
  function draw(el) {
    if (!window.L) { return; }
    var map = L.map(el, { scrollWheelZoom: false });
    var tiles = el.getAttribute("data-tiles");
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 19, attribution: "&copy; OpenStreetMap" }).addTo(map);
    }
    var bounds = [];
    var lat = num(el, "lat"), lon = num(el, "lon");
    if (lat !== null) {
      L.circle([lat, lon], { radius: num(el, "radius") || 150, color: "#00513f", weight: 2, fillOpacity: 0.12 }).addTo(map);
      L.circleMarker([lat, lon], { radius: 9, color: "#00513f", fillColor: "#00703c", fillOpacity: 1 })
        .bindTooltip(el.getAttribute("data-label") || "", { permanent: true, direction: "top" }).addTo(map);
      bounds.push([lat, lon]);
    }
    var glat = num(el, "gps-lat"), glon = num(el, "gps-lon");
    if (glat !== null) {
      L.circleMarker([glat, glon], { radius: 9, color: "#b10e1e", fillColor: "#d4351c", fillOpacity: 1 })
        .bindTooltip("GPS", { permanent: true, direction: "bottom" }).addTo(map);
      bounds.push([glat, glon]);
    }
    var points = el.getAttribute("data-points");
    if (points) {
      JSON.parse(points).forEach(function (p) {
        L.circleMarker([p.lat, p.lon], { radius: 7, color: "#1d4f91", fillColor: "#1d4f91", fillOpacity: 0.9 })
          .bindTooltip(p.code + " · " + p.name).addTo(map);
        bounds.push([p.lat, p.lon]);
      });
    }
    function fit() {
      if (bounds.length === 1) { map.setView(bounds[0], 16); }
      else if (bounds.length > 1) { map.fitBounds(bounds, { padding: [40, 40], maxZoom: 17 }); }
      else { map.setView([0.5071, 101.4478], 12); }
    }
    fit();
    // a phone turned sideways, or a window resized: the same points stay in view
    window.addEventListener("resize", function () { map.invalidateSize(); fit(); });
    el.setAttribute("data-ready", String(bounds.length));
  }
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll(".map"), draw);
  });
})();
