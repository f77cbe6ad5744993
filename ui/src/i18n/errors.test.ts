import { describe, expect, it } from "vitest";
import type { BackendError } from "../lib/backend";
import { errorText } from "./errors";
import { LANGS, type Lang } from "./types";

const FIELDS = ["title", "price"] as const;
const REASONS = ["required", "too_long", "not_a_number", "too_many_decimals", "negative", "too_large"] as const;

const ALL_ERRORS: BackendError[] = [
  ...FIELDS.flatMap((field) => REASONS.map((reason): BackendError => ({ kind: "validation", field, reason }))),
  { kind: "not_found", id: "0190a1b2-0000-7000-8000-000000000000" },
  { kind: "storage", message: "disk full" },
  { kind: "ipc", message: "invoke is not available" },
];

const strip = (s: string) => s.replace(/[\u2068\u2069]/g, "");

describe("error translation", () => {
  it.each(LANGS)("gives a real %s sentence for every error", (lang: Lang) => {
    for (const error of ALL_ERRORS) {
      const text = errorText(lang, error);
      expect(text, JSON.stringify(error)).toMatch(/\S/);
      expect(text, JSON.stringify(error)).not.toMatch(/[{}]/);
      expect(text, JSON.stringify(error)).not.toMatch(/\.$/);
    }
  });

  it("speaks the user's language", () => {
    const priceNaN: BackendError = { kind: "validation", field: "price", reason: "not_a_number" };
    expect(errorText("en", priceNaN)).toBe("The price must be a number, like 4500 or 4 500,50");
    expect(errorText("fr", priceNaN)).toBe("Le prix doit être un nombre, par exemple 4500 ou 4 500,50");
    expect(errorText("ar", priceNaN)).toBe("يجب أن يكون السعر رقمًا، مثل 4500 أو 4 500,50");
  });

  it("tells the fields apart", () => {
    for (const lang of LANGS) {
      expect(errorText(lang, { kind: "validation", field: "title", reason: "required" })).not.toBe(
        errorText(lang, { kind: "validation", field: "price", reason: "required" }),
      );
    }
  });

  it("tells the price reasons apart", () => {
    for (const lang of LANGS) {
      const texts = REASONS.map((reason) => errorText(lang, { kind: "validation", field: "price", reason }));
      expect(new Set(texts).size, lang).toBe(REASONS.length);
    }
  });

  it("keeps the backend's detail for storage and IPC failures", () => {
    for (const lang of LANGS) {
      expect(strip(errorText(lang, { kind: "storage", message: "disk full" }))).toContain("disk full");
      expect(strip(errorText(lang, { kind: "ipc", message: "no runtime" }))).toContain("no runtime");
    }
  });

  it("differs between languages", () => {
    for (const error of ALL_ERRORS) {
      const texts = LANGS.map((lang) => errorText(lang, error));
      expect(new Set(texts).size, JSON.stringify(error)).toBe(LANGS.length);
    }
  });
});
