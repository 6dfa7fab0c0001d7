// The monthly report form (reporting/entry.html): no stored value is lost to a mistyped number.
// A number input holding "e" or "abc" is posted by the browser as "" — indistinguishable from a
// deliberate clear — so such a field blocks the save here and is flagged to the server (bad-<code>),
// which keeps the stored value either way. Ticking 清空 empties and locks the field (the server asks
// to confirm before deleting). Loaded as a same-origin file (Content-Security-Policy: no inline script).
(function () {
  "use strict";

  function fieldError(box, text) {
    var old = box.querySelector(".field-error.js-bad");
    if (old) { old.remove(); }
    if (!text) { box.classList.remove("has-error"); return; }
    var div = document.createElement("div");
    div.className = "field-error js-bad";
    div.textContent = text;
    box.appendChild(div);
    box.classList.add("has-error");
  }

  function flag(form, input, bad) {
    var name = "bad-" + input.name;
    var hidden = form.querySelector('input[type=hidden][name="' + name + '"]');
    if (bad && !hidden) {
      hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = name;
      hidden.value = "1";
      form.appendChild(hidden);
    } else if (!bad && hidden) {
      hidden.remove();
    }
  }

  function check(form) {
    var first = null;
    form.querySelectorAll("input[type=number]").forEach(function (input) {
      var box = input.closest(".entry-field");
      var bad = input.validity && input.validity.badInput;
      flag(form, input, bad);
      if (!box) { return; }
      if (bad) {
        var shown = input.dataset.shown;
        fieldError(box, "“" + input.dataset.name + "”填写的不是有效的整数" +
          (shown ? "（原值 " + shown + " 未改动）" : "") + "，请改正后再保存");
        first = first || input;
      } else {
        fieldError(box, "");
      }
    });
    return first;
  }

  function init() {
    var form = document.getElementById("report-form");
    if (!form) { return; }
    form.addEventListener("submit", function (event) {
      var first = check(form);
      if (first) {
        event.preventDefault();
        first.focus();
      }
    });
    form.querySelectorAll(".entry-clear input[type=checkbox]").forEach(function (box) {
      box.addEventListener("change", function () {
        var input = box.closest(".entry-field").querySelector("input[type=number]");
        input.disabled = box.checked;
        input.value = box.checked ? "" : (input.dataset.shown || "");
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
