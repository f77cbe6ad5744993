import { describe, expect, it } from "vitest";
import { pluralCategory, translate } from "./translate";

// The sentences are spelled out here on purpose: a wrong category, a missing
// form or a broken catalog entry all show up as a different sentence.
const strip = (s: string) => s.replace(/[\u2068\u2069]/g, "");

describe("plural selection", () => {
  it("picks each of the six Arabic forms", () => {
    const cases: [number, Intl.LDMLPluralRule, string][] = [
      [0, "zero", "لا توجد إعلانات في انتظار المزامنة"],
      [1, "one", "إعلان واحد في انتظار المزامنة"],
      [2, "two", "إعلانان في انتظار المزامنة"],
      [3, "few", "3 إعلانات في انتظار المزامنة"],
      [11, "many", "11 إعلانًا في انتظار المزامنة"],
      [100, "other", "100 إعلان في انتظار المزامنة"],
    ];
    for (const [count, category, sentence] of cases) {
      expect(pluralCategory("ar", count)).toBe(category);
      // Latin digits: numbers are formatted for ar-MA.
      expect(strip(translate("ar", "status.pending", { count }))).toBe(sentence);
    }
  });

  it("says the photo import's progress as a plural message in Arabic's six forms", () => {
    const cases: [number, string][] = [
      [0, "0 من 0 صورة"],
      [1, "0 من صورة واحدة"],
      [2, "0 من صورتين"],
      [3, "0 من 3 صور"],
      [11, "0 من 11 صورة"],
      [100, "0 من 100 صورة"],
    ];
    for (const [count, sentence] of cases) {
      expect(strip(translate("ar", "photos.progress", { done: 0, count }))).toBe(sentence);
    }
  });

  it("says the photo import's progress without “photo(s)” in French and English", () => {
    expect(translate("fr", "photos.progress", { done: 1, count: 1 })).toBe("1 sur 1 photo");
    expect(translate("fr", "photos.progress", { done: 2, count: 5 })).toBe("2 sur 5 photos");
    expect(translate("en", "photos.progress", { done: 0, count: 1 })).toBe("0 of 1 photo");
    expect(translate("en", "photos.progress", { done: 3, count: 12 })).toBe("3 of 12 photos");
    for (const lang of ["ar", "fr", "en"] as const) {
      for (const count of [1, 2, 5, 11, 1_000_000]) {
        expect(translate(lang, "photos.progress", { done: 1, count })).not.toMatch(/\(s\)|[{}]/);
      }
    }
  });

  it("treats 0 and 1 alike in French, unlike 2", () => {
    expect(translate("fr", "status.pending", { count: 0 })).toBe("0 annonce en attente de synchronisation");
    expect(translate("fr", "status.pending", { count: 1 })).toBe("1 annonce en attente de synchronisation");
    expect(translate("fr", "status.pending", { count: 2 })).toBe("2 annonces en attente de synchronisation");
  });

  it("uses one for 1 and other for 0 and 2 in English", () => {
    expect(translate("en", "status.pending", { count: 0 })).toBe("0 listings waiting to sync");
    expect(translate("en", "status.pending", { count: 1 })).toBe("1 listing waiting to sync");
    expect(translate("en", "status.pending", { count: 2 })).toBe("2 listings waiting to sync");
  });

  it("formats the count for the language", () => {
    expect(translate("en", "status.pending", { count: 1234 })).toBe("1,234 listings waiting to sync");
    expect(translate("fr", "status.pending", { count: 1234 }).replace(/\s/g, " ")).toBe(
      "1 234 annonces en attente de synchronisation",
    );
  });
});

describe("interpolation", () => {
  it("isolates inserted text so it cannot reorder an Arabic sentence", () => {
    expect(translate("ar", "header.cooperative", { name: "Tifawin" })).toBe("التعاونية: \u2068Tifawin\u2069");
  });

  it("leaves an unknown placeholder visible rather than dropping it", () => {
    expect(translate("en", "header.cooperative")).toBe("Cooperative: {name}");
  });
});
