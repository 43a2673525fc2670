// A little plain JavaScript: SLA countdowns, the chat's poll for an agent's answer,
// and the example-message button. Every page works without it.
(function () {
  "use strict";

  function countdown() {
    var now = Date.now();
    document.querySelectorAll(".sla[data-due]").forEach(function (el) {
      var left = Math.round((Date.parse(el.dataset.due) - now) / 1000);
      var sign = left < 0 ? "-" : "";
      var s = Math.abs(left);
      var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
      el.textContent = sign + (h ? h + "h " : "") + (h || m ? m + "m " : "") + sec + "s";
      el.classList.toggle("overdue", left < 0);
    });
  }

  function scrollDown(box) { if (box) { box.scrollTop = box.scrollHeight; } }

  function poll(box) {
    var url = box.dataset.poll;
    var last = box.innerHTML.length;
    setInterval(function () {
      fetch(url, { headers: { "Accept": "text/html" } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (html !== null && html.length !== last) {
            box.innerHTML = html;
            last = html.length;
            scrollDown(box);
          }
        })
        .catch(function () { /* offline for a moment: try again next tick */ });
    }, 3000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    countdown();
    setInterval(countdown, 1000);
    var box = document.getElementById("transcript");
    scrollDown(box);
    if (box && box.dataset.poll) { poll(box); }
    document.querySelectorAll("[data-fill]").forEach(function (button) {
      button.addEventListener("click", function () {
        var target = document.querySelector(button.dataset.fill);
        if (target) { target.value = button.textContent; target.focus(); }
      });
    });
    var form = document.getElementById("composer");
    if (form) {
      form.addEventListener("submit", function () {
        var send = document.getElementById("send");
        if (send) { send.disabled = true; send.textContent = "Sending…"; }
      });
      var text = document.getElementById("message");
      if (text) {
        text.addEventListener("keydown", function (e) {
          if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
        });
      }
    }
  });
})();
