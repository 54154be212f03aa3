// Maps of places: the points always show; the background tiles come from the configured tile
// server (COMMONSGRAPH_TILE_URL) and their failure leaves the points in place.
(function () {
  "use strict";
  var element = document.getElementById("map");
  var data = document.getElementById("map-features");
  if (!element || !data || typeof L === "undefined") { return; }
  var features = JSON.parse(data.textContent);
  var map = L.map(element, { scrollWheelZoom: false });
  var tiles = element.getAttribute("data-tiles");
  if (tiles) {
    var layer = L.tileLayer(tiles, { maxZoom: 18, attribution: element.getAttribute("data-tiles-attribution") || "" });
    var warned = false;
    layer.on("tileerror", function () {
      if (warned) { return; }
      warned = true;
      var note = document.createElement("p");
      note.className = "map-note";
      note.textContent = element.getAttribute("data-unavailable");
      element.parentNode.appendChild(note);
    });
    layer.addTo(map);
  }
  var group = L.featureGroup();
  features.forEach(function (feature) {
    var c = feature.geometry.coordinates;
    var marker = L.circleMarker([c[1], c[0]], { radius: 7, color: "#0b5d3b", weight: 2, fillColor: "#2e9c6a", fillOpacity: 0.8 });
    // Leaflet writes a string given to a popup or a tooltip as HTML: they get DOM nodes whose
    // text is set, so that a label is only ever text; a popup links only to a page of this site.
    var href = feature.properties.href;
    var local = typeof href === "string" && /^\/(?![\/\\])/.test(href);  // not //host, /\host
    var title = document.createElement(local ? "a" : "span");
    title.textContent = feature.properties.title;
    if (local) { title.href = href; }
    var tooltip = document.createElement("span");
    tooltip.textContent = feature.properties.title;
    marker.bindPopup(title);
    marker.bindTooltip(tooltip);
    group.addLayer(marker);
  });
  group.addTo(map);
  if (features.length === 1) {
    var only = features[0].geometry.coordinates;
    map.setView([only[1], only[0]], 14);
  } else if (features.length > 1) {
    map.fitBounds(group.getBounds(), { padding: [20, 20] });
  } else {
    map.setView([46.6, 2.4], 5);
  }
  window.commonsgraphMap = map;
})();
