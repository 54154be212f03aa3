// The ground under every map of this site: the countries' outlines and the départements'
// boundaries it serves (vendor/basemap, from Natural Earth), then background tiles only from a
// tile server the operator configured (COMMONSGRAPH_TILE_URL), above the outlines; their failure
// leaves the outlines and the points in place, and says so once under the map. The map's
// element carries what to draw: data-basemap, data-divisions, data-tiles,
// data-tiles-attribution, data-unavailable; data-basemap-loaded and data-divisions-loaded are
// set once each is drawn.
window.commonsgraphBasemap = function (map, element) {
  "use strict";
  map.createPane("basemap").style.zIndex = 150;  // under the tiles (200) and the points (400)
  var basemap = element.getAttribute("data-basemap");
  var divisions = element.getAttribute("data-divisions");
  if (basemap) {
    fetch(basemap).then(function (answer) { return answer.json(); }).then(function (outlines) {
      L.geoJSON(outlines, {
        pane: "basemap",
        interactive: false,
        attribution: "Natural Earth",
        style: { color: "#8a8f94", weight: 1, fillColor: "#f7f5ef", fillOpacity: 1 }
      }).addTo(map);
      element.setAttribute("data-basemap-loaded", "true");
      // the départements' boundaries, drawn over the countries (after them: fetched in turn)
      return divisions ? fetch(divisions).then(function (answer) { return answer.json(); }) : null;
    }).then(function (lines) {
      if (!lines) { return; }
      L.geoJSON(lines, {
        pane: "basemap", interactive: false, style: { color: "#b0b4b8", weight: 0.8, fill: false }
      }).addTo(map);
      element.setAttribute("data-divisions-loaded", "true");
    });
  }
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
};
