// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { langFromNavigator } from "./locale.svelte";
import script from "../../public/lang.js?raw";
import html from "../../index.html?raw";

// public/lang.js runs before the first paint; the app's own rule runs later.
// They must agree, or the window would flip direction once the app starts.

function runScript() {
  document.documentElement.removeAttribute("lang");
  document.documentElement.removeAttribute("dir");
  new Function(script)();
  return { lang: document.documentElement.lang, dir: document.documentElement.dir };
}

describe("the first paint", () => {
  afterEach(() => {
    localStorage.clear();
    vi.restoreAllMocks();
  });

  it("loads lang.js as a blocking script in <head>, before the app", () => {
    const head = html.slice(html.indexOf("<head>"), html.indexOf("</head>"));
    expect(head).toMatch(/<script src="\/lang\.js"><\/script>/);
    expect(html.indexOf("/lang.js")).toBeLessThan(html.indexOf("/src/main.ts"));
    expect(html).not.toMatch(/<html[^>]*dir=/);
  });

  it("starts an Arabic window right-to-left from the saved choice", () => {
    localStorage.setItem("hanout.lang", "ar");
    expect(runScript()).toEqual({ lang: "ar", dir: "rtl" });
    expect(document.documentElement.dataset.firstPaint).toBe("ar");
    localStorage.setItem("hanout.lang", "fr");
    expect(runScript()).toEqual({ lang: "fr", dir: "ltr" });
  });

  it("follows the system language like the app when nothing is saved", () => {
    for (const system of ["ar-MA", "ar", "fr-FR", "FR", "en-US", "es", ""]) {
      vi.spyOn(navigator, "language", "get").mockReturnValue(system);
      const lang = langFromNavigator(system);
      expect(runScript(), system).toEqual({ lang, dir: lang === "ar" ? "rtl" : "ltr" });
    }
  });

  it("ignores a saved value it does not know", () => {
    localStorage.setItem("hanout.lang", "tlh");
    vi.spyOn(navigator, "language", "get").mockReturnValue("ar-MA");
    expect(runScript()).toEqual({ lang: "ar", dir: "rtl" });
  });
});
