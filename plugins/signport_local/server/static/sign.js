// The signing page: field boxes placed over the rendered pages, a typed or drawn signature and
// initials (mouse, pen or touch on a canvas), previews in every box, and the decline form.
(function () {
  "use strict";

  // Each box sits where its Placement says, as fractions of the visible page (see pages.py).
  document.querySelectorAll(".field").forEach(function (box) {
    box.style.left = (parseFloat(box.dataset.left) * 100) + "%";
    box.style.top = (parseFloat(box.dataset.top) * 100) + "%";
    box.style.width = (parseFloat(box.dataset.width) * 100) + "%";
    box.style.height = (parseFloat(box.dataset.height) * 100) + "%";
  });

  var pads = {};

  function setupPad(kind) {
    var canvas = document.getElementById(kind + "-canvas");
    if (!canvas) { return; }
    var ctx = canvas.getContext("2d");
    var drawing = false, dirty = false, last = null;
    ctx.lineWidth = 3; ctx.lineCap = "round"; ctx.lineJoin = "round"; ctx.strokeStyle = "#0d2985";
    function point(ev) {
      var r = canvas.getBoundingClientRect();
      return { x: (ev.clientX - r.left) * canvas.width / r.width, y: (ev.clientY - r.top) * canvas.height / r.height };
    }
    canvas.addEventListener("pointerdown", function (ev) {
      drawing = true; last = point(ev); canvas.setPointerCapture(ev.pointerId);
      ctx.beginPath(); ctx.arc(last.x, last.y, 1.2, 0, 2 * Math.PI); ctx.fillStyle = ctx.strokeStyle; ctx.fill();
      dirty = true; ev.preventDefault();
    });
    canvas.addEventListener("pointermove", function (ev) {
      if (!drawing) { return; }
      var p = point(ev);
      ctx.beginPath(); ctx.moveTo(last.x, last.y); ctx.lineTo(p.x, p.y); ctx.stroke();
      last = p; dirty = true; ev.preventDefault();
    });
    function end() { if (drawing) { drawing = false; refresh(kind); } }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    canvas.addEventListener("pointerleave", end);
    pads[kind] = {
      canvas: canvas,
      dirty: function () { return dirty; },
      clear: function () { ctx.clearRect(0, 0, canvas.width, canvas.height); dirty = false; refresh(kind); }
    };
  }

  function mode(kind) {
    var checked = document.querySelector("input[name='" + kind + "-mode']:checked");
    return checked ? checked.value : "type";
  }

  function refresh(kind) {
    var m = mode(kind);
    var text = document.getElementById(kind + "-text");
    var pad = pads[kind];
    document.querySelectorAll("[data-preview='" + kind + "']").forEach(function (el) {
      el.textContent = "";
      el.classList.toggle("typed", m === "type");
      if (m === "draw" && pad && pad.dirty()) {
        var img = document.createElement("img");
        img.src = pad.canvas.toDataURL("image/png");
        img.alt = kind;
        el.appendChild(img);
      } else if (m === "type" && text) {
        el.textContent = text.value;
      }
    });
  }

  document.querySelectorAll("[data-mark]").forEach(function (block) {
    var kind = block.dataset.mark;
    setupPad(kind);
    block.querySelectorAll("input[name='" + kind + "-mode']").forEach(function (radio) {
      radio.addEventListener("change", function () {
        var draw = mode(kind) === "draw";
        block.querySelector(".type-pane").hidden = draw;
        block.querySelector(".draw-pane").hidden = !draw;
        refresh(kind);
      });
    });
    var text = document.getElementById(kind + "-text");
    if (text) { text.addEventListener("input", function () { refresh(kind); }); }
    var clear = block.querySelector("[data-clear]");
    if (clear) { clear.addEventListener("click", function () { pads[kind].clear(); }); }
    refresh(kind);
  });

  var form = document.getElementById("sign-form");
  if (form) {
    form.addEventListener("submit", function () {
      Object.keys(pads).forEach(function (kind) {
        var field = document.getElementById(kind + "-image");
        if (field) { field.value = mode(kind) === "draw" && pads[kind].dirty() ? pads[kind].canvas.toDataURL("image/png") : ""; }
      });
    });
  }

  var show = document.getElementById("show-decline");
  var decline = document.getElementById("decline-form");
  if (show && decline) {
    show.addEventListener("click", function () {
      decline.hidden = false;
      document.getElementById("reason").focus();
    });
  }
})();
