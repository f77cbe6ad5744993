// Runs before the first paint (a classic script in <head>, before the app's
// module): sets the page's language and direction from the saved choice, so
// an Arabic window never flashes left-to-right. Same rule as
// src/i18n/locale.svelte.ts (saved choice, else the system's language);
// src/i18n/firstPaint.test.ts checks the two agree.
(function () {
  var lang = null;
  try {
    lang = window.localStorage.getItem("hanout.lang");
  } catch (e) {
    lang = null;
  }
  if (lang !== "ar" && lang !== "fr" && lang !== "en") {
    var tag = String(window.navigator.language || "").toLowerCase();
    lang = tag.indexOf("ar") === 0 ? "ar" : tag.indexOf("fr") === 0 ? "fr" : "en";
  }
  document.documentElement.lang = lang;
  document.documentElement.dir = lang === "ar" ? "rtl" : "ltr";
  // Says it ran (the end-to-end test checks it did, under the app's CSP).
  document.documentElement.setAttribute("data-first-paint", lang);
})();
