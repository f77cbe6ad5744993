// The listing page's "Share" button: the Web Share API where the browser
// has one (phones mostly); elsewhere the button stays hidden and the plain
// WhatsApp link beside it shares. Served from /static/share.js: the pages'
// Content-Security-Policy allows scripts from the marketplace only.
(function () {
  "use strict";
  document.documentElement.setAttribute("data-share-script", "ran");
  var button = document.getElementById("share");
  if (!button || typeof navigator.share !== "function") {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator
      .share({ title: button.dataset.title, url: button.dataset.url })
      .catch(function () {
        // Dismissed by the buyer, or refused: nothing to do.
      });
  });
})();
