/* A small map on a record's page or a country's profile: Natural Earth borders
 * (served by the site, no tiles, nothing fetched from elsewhere) and the
 * record's places as markers.
 *
 * data-points names a <script type="application/json"> with [{lat, lon, label}];
 * data-highlight, a country (its name in the borders file) drawn darker, which
 * the map then fits; data-source, a /map/data.json URL whose records (or groups
 * of them, for a busy country) are drawn for the view shown.
 */
(function () {
  "use strict";

  var container = document.querySelector(".record-map");
  if (!container || !window.L || !window.fetch) {
    return;
  }
  var text = container.dataset;
  var pointsNode = text.points && document.getElementById(text.points);
  var points = (pointsNode && JSON.parse(pointsNode.textContent)) || [];
  var fallback = container.querySelector(".map-fallback");
  if (fallback) {
    fallback.remove();
  }

  var map = L.map(container, {
    zoomSnap: 0.5,
    minZoom: 3,
    maxZoom: 12,
    scrollWheelZoom: false,
    attributionControl: true
  });
  map.attributionControl.setPrefix(
    '<a href="https://leafletjs.com" rel="noopener noreferrer nofollow external">Leaflet</a>'
  );
  map.attributionControl.addAttribution(text.attribution);

  function icon(kind, count, label) {
    var html = document.createElement("span");
    html.className = "map-marker kind-" + kind;
    if (count > 1) {
      var number = document.createElement("span");
      number.className = "map-marker-count";
      number.textContent = String(count);
      html.appendChild(number);
    }
    var hidden = document.createElement("span");
    hidden.className = "visually-hidden";
    hidden.textContent = label;
    html.appendChild(hidden);
    var size = count > 1 ? 28 : 18;
    return L.divIcon({
      className: "map-marker-icon" + (count > 1 ? " is-group" : ""),
      html: html,
      iconSize: [size, size],
      iconAnchor: [size / 2, size / 2],
      popupAnchor: [0, -size / 2]
    });
  }

  var bounds = L.latLngBounds([]);
  points.forEach(function (point) {
    var latlng = L.latLng(point.lat, point.lon);
    bounds.extend(latlng);
    L.marker(latlng, {
      icon: icon(text.kind || "threat", 1, point.label || text.textPlace),
      title: point.label || text.textPlace,
      keyboard: false,
      interactive: false
    }).addTo(map);
  });
  // Around the places: a region a reader recognises, not a street.
  if (points.length) {
    map.setView(bounds.getCenter(), points.length === 1 ? 6 : 5);
    if (points.length > 1) {
      map.fitBounds(bounds.pad(0.6), { maxZoom: 7 });
    }
  } else {
    map.fitBounds(L.latLngBounds([52.6, 11], [65.8, 31.5]));
  }

  var records = L.layerGroup().addTo(map);

  function popupItem(props) {
    var item = document.createElement("li");
    var link = document.createElement("a");
    link.href = props.url;
    link.textContent = props.title;
    var meta = document.createElement("span");
    meta.className = "map-popup-meta";
    meta.textContent = [props.date, props.category, props.place]
      .filter(function (part) {
        return part;
      })
      .join(" · ");
    item.appendChild(link);
    item.appendChild(meta);
    return item;
  }

  function drawRecords(data) {
    records.clearLayers();
    // Records at the very same spot share one marker, whose popup lists them.
    var spots = {};
    var order = [];
    (data.features || []).forEach(function (feature) {
      var props = feature.properties;
      var point = feature.geometry.coordinates;
      var latlng = L.latLng(point[1], point[0]);
      if (props.cluster) {
        var label = props.count + " " + text.textRecords;
        var group = L.marker(latlng, {
          icon: icon("threat", props.count, label),
          title: label,
          keyboard: true
        });
        group.on("click", function () {
          var box = props.bbox;
          map.fitBounds(L.latLngBounds([box[1], box[0]], [box[3], box[2]]), {
            padding: [16, 16]
          });
        });
        records.addLayer(group);
        return;
      }
      var key = point[0] + "," + point[1];
      if (!spots[key]) {
        spots[key] = { latlng: latlng, features: [] };
        order.push(key);
      }
      spots[key].features.push(feature);
    });
    order.forEach(function (key) {
      var spot = spots[key];
      var count = spot.features.length;
      var first = spot.features[0].properties;
      var label = count === 1 ? first.title : count + " " + text.textRecords;
      var list = document.createElement("ul");
      list.className = "map-popup-list";
      spot.features.forEach(function (feature) {
        list.appendChild(popupItem(feature.properties));
      });
      var box = document.createElement("div");
      box.className = "map-popup";
      box.appendChild(list);
      records.addLayer(
        L.marker(spot.latlng, {
          icon: icon("threat", count, label),
          title: label,
          keyboard: true
        }).bindPopup(box, { maxWidth: Math.min(300, container.clientWidth - 60) })
      );
    });
  }

  var popupOpen = false;
  map.on("popupopen", function () {
    popupOpen = true;
  });
  map.on("popupclose", function () {
    popupOpen = false;
  });

  function loadRecords() {
    if (!text.source || popupOpen) {
      return;
    }
    var view = map.getBounds();
    var box = [
      Math.max(view.getWest(), -180),
      Math.max(view.getSouth(), -90),
      Math.min(view.getEast(), 180),
      Math.min(view.getNorth(), 90)
    ].map(function (value) {
      return value.toFixed(4);
    });
    var url =
      text.source +
      (text.source.indexOf("?") === -1 ? "?" : "&") +
      "bbox=" +
      box.join(",") +
      "&zoom=" +
      Math.round(map.getZoom());
    fetch(url, { credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.json() : { features: [] };
      })
      .then(drawRecords);
  }

  fetch(text.borders, { credentials: "same-origin" })
    .then(function (response) {
      return response.json();
    })
    .then(function (borders) {
      var highlighted = null;
      L.geoJSON(borders, {
        interactive: false,
        style: function (feature) {
          var chosen = text.highlight && feature.properties.name === text.highlight;
          return {
            color: chosen ? "#0b3d66" : "#8a96a6",
            weight: chosen ? 1.6 : 0.8,
            fillColor: chosen ? "#dbe7f3" : "#f7f5ef",
            fillOpacity: 1
          };
        },
        onEachFeature: function (feature, layer) {
          if (text.highlight && feature.properties.name === text.highlight) {
            highlighted = layer;
          }
        }
      }).addTo(map);
      if (highlighted && !points.length) {
        map.fitBounds(highlighted.getBounds(), { padding: [8, 8] });
      }
      container.classList.add("is-ready");
      if (text.source) {
        loadRecords();
        map.on("moveend", loadRecords);
      }
    });
})();
