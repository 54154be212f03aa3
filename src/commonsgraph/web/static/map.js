// Maps of places: the points always show, over the ground basemap.js draws (outlines, then
// tiles when the operator configured a server); a review's map tells where places were and
// will be.
(function () {
  "use strict";
  var element = document.getElementById("map");
  var data = document.getElementById("map-features");
  if (!element || !data || typeof L === "undefined") { return; }
  var features = JSON.parse(data.textContent);
  var map = L.map(element, { scrollWheelZoom: false });
  window.commonsgraphBasemap(map, element);
  // A review's preview says what a contribution changes: where a place was (hollow, dashed)
  // and where it will be (filled); the page lists the same in words.
  var POINT = { radius: 7, color: "#0b5d3b", weight: 2, fillColor: "#2e9c6a", fillOpacity: 0.8 };
  var GONE = { radius: 7, color: "#a4262c", weight: 2, dashArray: "3 3", fillColor: "#a4262c", fillOpacity: 0.1 };
  var CHANGES = {
    added: POINT, after: POINT, before: GONE, removed: GONE,
    unchanged: { radius: 7, color: "#55595e", weight: 2, fillColor: "#8a8f94", fillOpacity: 0.6 }
  };
  var group = L.featureGroup();
  features.forEach(function (feature) {
    var c = feature.geometry.coordinates;
    var marker = L.circleMarker([c[1], c[0]], CHANGES[feature.properties.change] || POINT);
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
    // without tiles, the outlines (about 1 km precise) say most around the place at zoom 9
    map.setView([only[1], only[0]], Number(element.getAttribute("data-zoom")) || (element.getAttribute("data-tiles") ? 14 : 9));
  } else if (features.length > 1) {
    map.fitBounds(group.getBounds(), { padding: [20, 20] });
  } else {
    map.setView([46.6, 2.4], 5);
  }
  window.commonsgraphMap = map;
})();
