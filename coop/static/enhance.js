/* Progressive enhancement. Everything works without this file. With it, a form inside a
   region marked data-live-region (support/oppose, voting, comments) is sent in the
   background; the region is replaced by the same region of the page the server answers
   with, the server's message is announced to screen readers, and focus stays in place. */
(function () {
  "use strict";
  if (!window.fetch || !window.DOMParser || !window.FormData) return;

  function announce(text) {
    var announcer = document.getElementById("announcer");
    if (!announcer) return;
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = text.trim().replace(/\s+/g, " "); }, 50);
  }

  function submitNormally(form, submitter) {
    form.closest("[data-live-region]").removeAttribute("data-live-region");
    if (submitter) { submitter.disabled = false; submitter.click(); } else { form.submit(); }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var region = form.closest("[data-live-region]");
    if (!region || event.defaultPrevented) return;
    event.preventDefault();
    var submitter = event.submitter;
    var data = new FormData(form);
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    var buttons = Array.prototype.slice.call(form.querySelectorAll("button"));
    var position = buttons.indexOf(submitter);
    var formPosition = Array.prototype.indexOf.call(region.querySelectorAll("form"), form);
    buttons.forEach(function (button) { button.disabled = true; });
    region.setAttribute("aria-busy", "true");

    fetch(form.action, {method: "POST", body: data, credentials: "same-origin"})
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.getElementById(region.id);
        var flash = page.querySelector(".flashes .flash");
        var errors = page.querySelector(".error-summary");
        if (!fresh) {  // an error page (not allowed, too many requests...): say what it says
          var main = page.querySelector("main");
          announce(main ? main.textContent.slice(0, 300) : "Something went wrong. Try again.");
          buttons.forEach(function (button) { button.disabled = false; });
          region.removeAttribute("aria-busy");
          return;
        }
        region.replaceWith(fresh);
        announce(errors ? errors.textContent : flash ? flash.textContent : "Saved.");
        var target = fresh.querySelector(".error-summary a");
        if (!target) {
          var forms = fresh.querySelectorAll("form");
          var same = forms[Math.min(formPosition, forms.length - 1)];
          var freshButtons = same ? same.querySelectorAll("button") : [];
          target = freshButtons[position] || freshButtons[0] || fresh;
        }
        if (target === fresh) fresh.setAttribute("tabindex", "-1");
        target.focus();
      })
      .catch(function () { submitNormally(form, submitter); });
  });
})();
