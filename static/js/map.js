/* The Atlas map: Natural Earth borders and the mapped records, drawn with Leaflet.
 *
 * No tiles: the sea is the container's background, the land the borders layer.
 * Records come from /map/data.json with this page's query string (the page puts
 * that URL in data-source) and the part of the map shown (bbox, zoom): the server
 * answers with the records in view, or, when there are many, with groups of them
 * per cell of a grid (a number to click, which zooms in) and the records alone
 * in their cell. It is asked again whenever the map is moved or zoomed.
 * Records close together share one marker, whose popup lists them all.
 */
(function () {
  "use strict";

  var container = document.getElementById("map");
  if (!container || !window.L || !window.fetch) {
    return;
  }
  var text = container.dataset;
  // The Baltic Sea region: southern Scandinavia to the Gulf of Finland, Germany to
  // western Russia.
  var BALTIC = L.latLngBounds([52.6, 11], [65.8, 31.5]);

  var fallback = container.querySelector(".map-fallback");
  if (fallback) {
    fallback.remove();
  }
  var status = document.createElement("p");
  status.className = "map-status";
  status.setAttribute("role", "status");
  status.textContent = text.textLoading;
  container.parentNode.insertBefore(status, container.nextSibling);

  var map = L.map(container, {
    zoomSnap: 0.25,
    minZoom: 3,
    maxZoom: 12,
    worldCopyJump: false,
    attributionControl: true
  });
  map.attributionControl.setPrefix(
    '<a href="https://leafletjs.com" rel="noopener noreferrer nofollow external">Leaflet</a>'
  );
  map.attributionControl.addAttribution(text.attribution);
  map.fitBounds(BALTIC);

  function getJSON(url) {
    // The borders: the same request as the page's <link rel="preload">, so the
    // preloaded response is used.
    return fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) {
        throw new Error(url + ": " + response.status);
      }
      return response.json();
    });
  }

  function element(tag, className, content) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (content) {
      node.textContent = content;
    }
    return node;
  }

  // Records closer than CLOSE pixels at the current zoom share one marker (and
  // records at the very same place always do), so none hides another.
  var CLOSE = 24;

  function groupByPlace(features) {
    var groups = [];
    features.forEach(function (feature) {
      var point = feature.geometry && feature.geometry.coordinates;
      if (!point || point.length < 2) {
        return;
      }
      var latlng = L.latLng(point[1], point[0]);
      var pixel = map.project(latlng, map.getZoom());
      for (var i = 0; i < groups.length; i += 1) {
        if (groups[i].pixel.distanceTo(pixel) < CLOSE) {
          groups[i].features.push(feature);
          groups[i].latlngs.push(latlng);
          return;
        }
      }
      groups.push({ pixel: pixel, latlngs: [latlng], features: [feature] });
    });
    groups.forEach(function (group) {
      // The marker sits at the middle of its records.
      var lat = 0;
      var lng = 0;
      group.latlngs.forEach(function (latlng) {
        lat += latlng.lat;
        lng += latlng.lng;
      });
      group.latlng = L.latLng(lat / group.latlngs.length, lng / group.latlngs.length);
    });
    return groups;
  }

  function groupKind(group) {
    var kinds = {};
    group.features.forEach(function (feature) {
      kinds[feature.properties.kind] = true;
    });
    var names = Object.keys(kinds);
    return names.length === 1 ? names[0] : "both";
  }

  function kindName(kind) {
    if (kind === "exercise") {
      return text.textExercise;
    }
    if (kind === "threat") {
      return text.textThreat;
    }
    return text.textBoth;
  }

  function popupContent(group) {
    var box = element("div", "map-popup");
    var places = {};
    group.features.forEach(function (feature) {
      if (feature.properties.place) {
        places[feature.properties.place] = true;
      }
    });
    var placeNames = Object.keys(places);
    if (placeNames.length === 1) {
      box.appendChild(element("p", "map-popup-place", placeNames[0]));
    }
    var list = element("ul", "map-popup-list");
    group.features.forEach(function (feature) {
      var props = feature.properties;
      var item = element("li", "kind-" + props.kind);
      var link = element("a", null, props.title);
      link.href = props.url;
      item.appendChild(link);
      var details = [
        props.date,
        props.kind_label,
        props.category || props.domain,
        props.precision
      ];
      if (placeNames.length > 1 && props.place) {
        details.push(props.place);
      }
      item.appendChild(
        element(
          "span",
          "map-popup-meta",
          details
            .filter(function (part) {
              return part;
            })
            .join(" · ")
        )
      );
      list.appendChild(item);
    });
    box.appendChild(list);
    return box;
  }

  function marker(group) {
    var kind = groupKind(group);
    var count = group.features.length;
    var label =
      count === 1
        ? kindName(kind) + ": " + group.features[0].properties.title
        : kindName(kind) + ": " + count + " " + text.textRecords;
    // Leaflet positions the icon with an inline transform, so the shape (which
    // may be rotated) is an element inside it.
    var html = element("span", "map-marker kind-" + kind);
    if (count > 1) {
      html.appendChild(element("span", "map-marker-count", String(count)));
    }
    html.appendChild(element("span", "visually-hidden", label));
    var size = count > 1 ? 26 : 18;
    var icon = L.divIcon({
      className: "map-marker-icon" + (count > 1 ? " is-group" : ""),
      html: html,
      iconSize: [size, size],
      iconAnchor: [size / 2, size / 2],
      popupAnchor: [0, -size / 2]
    });
    return L.marker(group.latlng, {
      icon: icon,
      title: label,
      keyboard: true,
      riseOnHover: true
    }).bindPopup(popupContent(group), {
      maxWidth: Math.min(320, container.clientWidth - 70),
      minWidth: Math.min(200, container.clientWidth - 70),
      autoPanPadding: [10, 10]
    });
  }

  var bordersReady = getJSON(text.borders).then(function (borders) {
    L.geoJSON(borders, {
      interactive: false,
      style: function () {
        return {
          color: "#8a96a6",
          weight: 0.8,
          fillColor: "#f7f5ef",
          fillOpacity: 1
        };
      }
    }).addTo(map);
  });

  function clusterMarker(feature) {
    var props = feature.properties;
    var kinds = Object.keys(props.counts);
    var kind = kinds.length === 1 ? kinds[0] : "both";
    var parts = kinds.map(function (name) {
      return props.kind_labels[name] + ": " + props.counts[name];
    });
    var label = props.count + " " + text.textRecords + " (" + parts.join(", ") + ")";
    var html = element("span", "map-marker kind-" + kind);
    html.appendChild(element("span", "map-marker-count", String(props.count)));
    html.appendChild(element("span", "visually-hidden", label));
    var size = props.count >= 1000 ? 40 : props.count >= 100 ? 34 : 28;
    var point = feature.geometry.coordinates;
    var target = L.marker(L.latLng(point[1], point[0]), {
      icon: L.divIcon({
        className: "map-marker-icon is-group is-cluster",
        html: html,
        iconSize: [size, size],
        iconAnchor: [size / 2, size / 2]
      }),
      title: label + " – " + text.textZoom,
      keyboard: true,
      riseOnHover: true
    });
    var box = props.bbox;
    target.on("click", function () {
      var bounds = L.latLngBounds([box[1], box[0]], [box[3], box[2]]);
      if (box[0] === box[2] && box[1] === box[3]) {
        map.setView(bounds.getCenter(), map.getMaxZoom());
      } else {
        map.fitBounds(bounds, { padding: [24, 24], maxZoom: map.getMaxZoom() });
      }
    });
    return target;
  }

  // Each sea area's name and count of maritime incidents, written inside it
  // (the list beside the map gives the same, with links).
  var seaNode = text.seaLabels && document.getElementById(text.seaLabels);
  var seaLabels = (seaNode && JSON.parse(seaNode.textContent)) || [];
  seaLabels.forEach(function (sea) {
    var label = element("span", "map-sea-label", sea.label);
    label.appendChild(element("span", "count", " " + sea.count));
    // A permanent tooltip, not a marker: nothing to click or focus.
    L.tooltip({
      permanent: true,
      direction: "center",
      className: "map-sea-label-tip",
      interactive: false,
      opacity: 1
    })
      .setLatLng([sea.lat, sea.lon])
      .setContent(label)
      .addTo(map);
  });

  var markers = L.layerGroup().addTo(map);
  var features = [];
  var clusters = [];
  var drawnAtZoom = null;
  var drawnText = null;
  var popupOpen = false;
  map.on("popupopen", function () {
    popupOpen = true;
  });
  map.on("popupclose", function () {
    popupOpen = false;
  });

  function drawMarkers() {
    drawnAtZoom = map.getZoom();
    markers.clearLayers();
    groupByPlace(features).forEach(function (group) {
      markers.addLayer(marker(group));
    });
    clusters.forEach(function (feature) {
      markers.addLayer(clusterMarker(feature));
    });
  }

  function viewURL() {
    var bounds = map.getBounds();
    var box = [
      Math.max(bounds.getWest(), -180),
      Math.max(bounds.getSouth(), -90),
      Math.min(bounds.getEast(), 180),
      Math.min(bounds.getNorth(), 90)
    ].map(function (value) {
      return value.toFixed(4);
    });
    var separator = text.source.indexOf("?") === -1 ? "?" : "&";
    return (
      text.source + separator + "bbox=" + box.join(",") + "&zoom=" + Math.round(map.getZoom())
    );
  }

  function showCount(data) {
    if (data.clustered) {
      status.textContent = text.textGrouped.replace("%s", String(data.count));
      status.classList.remove("is-done");
    } else {
      status.textContent = "";
      status.classList.add("is-done");
    }
  }

  // Only the newest answer is drawn: an older one may arrive after it.
  var asked = 0;
  function load() {
    asked += 1;
    var mine = asked;
    return fetch(viewURL(), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("data: " + response.status);
        }
        return response.text();
      })
      .then(function (body) {
        if (mine !== asked) {
          return;
        }
        // The same answer at the same zoom: nothing to redraw (redrawing
        // would close an open popup).
        if (body === drawnText && drawnAtZoom === map.getZoom()) {
          return;
        }
        var data = JSON.parse(body);
        drawnText = body;
        features = [];
        clusters = [];
        (data.features || []).forEach(function (feature) {
          (feature.properties.cluster ? clusters : features).push(feature);
        });
        drawMarkers();
        showCount(data);
      });
  }

  var timer = null;
  map.on("moveend", function () {
    // A popup that pans the map into view keeps its markers.
    if (popupOpen) {
      return;
    }
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      load().catch(function () {
        status.textContent = text.textFailed;
        status.classList.add("is-error");
      });
    }, 200);
  });
  var recordsReady = load();

  // Markers above borders whatever loads first: Leaflet keeps vector layers in
  // the overlay pane and markers in the marker pane, above it.
  Promise.all([bordersReady, recordsReady]).then(
    function () {
      if (!status.textContent || status.textContent === text.textLoading) {
        status.textContent = "";
        status.classList.add("is-done");
      }
    },
    function () {
      status.textContent = text.textFailed;
      status.classList.add("is-error");
    }
  );
})();
