import { describe, expect, it } from "vitest";
import { catalogs } from "./catalogs";
import { LANGS } from "./types";

const referenceKeys = Object.keys(catalogs.en).sort();

describe.each(LANGS)("the %s catalog", (lang) => {
  const catalog = catalogs[lang] as Record<string, unknown>;

  it("has exactly the reference keys", () => {
    expect(Object.keys(catalog).sort()).toEqual(referenceKeys);
  });

  it("has no empty message", () => {
    for (const [key, message] of Object.entries(catalog)) {
      const texts = typeof message === "string" ? [message] : Object.values(message as object);
      for (const text of texts) expect(text, key).toMatch(/\S/);
    }
  });

  it("gives every plural form the language needs, and only those", () => {
    const needed = [...new Intl.PluralRules(lang).resolvedOptions().pluralCategories].sort();
    const pluralKeys = referenceKeys.filter((key) => typeof (catalogs.en as Record<string, unknown>)[key] !== "string");
    expect(pluralKeys.length).toBeGreaterThan(0);
    for (const key of pluralKeys) {
      const message = catalog[key];
      expect(typeof message, key).toBe("object");
      expect(Object.keys(message as object).sort(), key).toEqual(needed);
    }
  });

  it("keeps the same placeholders as English", () => {
    const placeholders = (message: unknown) =>
      [
        ...new Set(
          (typeof message === "string" ? [message] : Object.values(message as object)).flatMap((text: string) =>
            [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]),
          ),
        ),
      ].sort();
    for (const key of referenceKeys) {
      const mine = placeholders(catalog[key]).filter((name) => name !== "count");
      const english = placeholders((catalogs.en as Record<string, unknown>)[key]).filter((name) => name !== "count");
      expect(mine, key).toEqual(english);
    }
  });
});

it("Arabic needs all six plural forms", () => {
  // Guards the test above: if Intl ever reported fewer, it would check less.
  expect(new Intl.PluralRules("ar").resolvedOptions().pluralCategories).toHaveLength(6);
});
