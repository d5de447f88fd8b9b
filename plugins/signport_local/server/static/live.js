// Live updates: poll the store's version once a second; on a change, refresh the inbox rows
// (server-rendered, escaped) or reload the envelope page.
(function () {
  "use strict";
  var marker = document.querySelector("[data-version-url]");
  if (!marker) { return; }
  var url = marker.getAttribute("data-version-url");
  var fragment = marker.getAttribute("data-live-fragment");
  var reload = marker.getAttribute("data-live-reload");
  var live = document.getElementById("live");
  var seen = null;
  function tick() {
    fetch(url, { cache: "no-store" }).then(function (r) { return r.json(); }).then(function (data) {
      if (live) { live.classList.remove("offline"); }
      if (seen !== null && data.version !== seen) {
        if (reload) { window.location.reload(); return; }
        if (fragment) {
          fetch(fragment, { cache: "no-store" }).then(function (r) { return r.text(); }).then(function (html) {
            document.getElementById("rows").innerHTML = html;
          });
        }
      }
      seen = data.version;
    }).catch(function () {
      if (live) { live.classList.add("offline"); }
    }).finally(function () { window.setTimeout(tick, 1000); });
  }
  tick();
})();
