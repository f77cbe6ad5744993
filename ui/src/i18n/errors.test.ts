import { describe, expect, it } from "vitest";
import type { BackendError, ErrorField } from "../lib/backend";
import { errorText, FIELD_LABEL } from "./errors";
import { translate } from "./translate";
import { LANGS, type Lang } from "./types";

const FIELDS = ["title", "price"] as const;
const REASONS = ["required", "too_long", "not_a_number", "too_many_decimals", "negative", "too_large"] as const;
const OTHER_FIELDS = Object.keys(FIELD_LABEL).filter((f) => f !== "title" && f !== "price") as ErrorField[];
const ALL_REASONS = [...REASONS, "unknown", "invalid", "locked", "insecure"] as const;

const current = { titleAr: "", titleFr: "Tapis", titleEn: "", descriptionAr: "", descriptionFr: "", descriptionEn: "", category: "carpets", price: "4500", stock: "1", unit: "piece", dimensions: "", weightGrams: "", materials: "", origin: "", region: "", tags: "", status: "ready", artisan: "" };

const ALL_ERRORS: BackendError[] = [
  ...FIELDS.flatMap((field) => REASONS.map((reason): BackendError => ({ kind: "validation", field, reason }))),
  ...OTHER_FIELDS.flatMap((field) => ALL_REASONS.map((reason): BackendError => ({ kind: "validation", field, reason }))),
  { kind: "not_found", id: "0190a1b2-0000-7000-8000-000000000000" },
  ...(["disk_full", "damaged", "too_new", "busy", "other"] as const).map((cause): BackendError => ({ kind: "storage", cause })),
  { kind: "system", action: "start_at_login" },
  ...(["not_connected", "not_a_bundle", "bundle_too_new", "other_cooperative", "own_bundle", "wrong_code", "code_changed", "unreachable", "failed"] as const).map(
    (cause): BackendError => ({ kind: "peer", cause }),
  ),
  { kind: "internal" },
  { kind: "edited_meanwhile", fields: ["price"], current },
  { kind: "ipc", message: "invoke is not available" },
];

const strip = (s: string) => s.replace(/[\u2068\u2069]/g, "");
// A raw key or an English-only token leaking into a sentence.
const RAW = /[{}]|\b(validation|not_found|storage|disk_full|too_new|start_at_login|edited_meanwhile|ipc|market_url|enroll_code|weight_grams|not_a_number|too_long)\b/;

describe("error translation", () => {
  it.each(LANGS)("gives a real %s sentence for every error, with no raw key", (lang: Lang) => {
    for (const error of ALL_ERRORS) {
      const text = errorText(lang, error);
      expect(text, JSON.stringify(error)).toMatch(/\S/);
      expect(text, JSON.stringify(error)).not.toMatch(RAW);
      expect(text, JSON.stringify(error)).not.toMatch(/\.$/);
    }
  });

  it("speaks the user's language", () => {
    const priceNaN: BackendError = { kind: "validation", field: "price", reason: "not_a_number" };
    expect(errorText("en", priceNaN)).toBe("The price must be a number, like 4500 or 4 500,50");
    expect(errorText("fr", priceNaN)).toBe("Le prix doit être un nombre, par exemple 4500 ou 4 500,50");
    expect(errorText("ar", priceNaN)).toBe("يجب أن يكون السعر رقمًا، مثل 4500 أو 4 500,50");
  });

  it("names a field by the label on its input", () => {
    for (const lang of LANGS) {
      for (const field of OTHER_FIELDS) {
        const label = translate(lang, FIELD_LABEL[field]);
        const text = strip(errorText(lang, { kind: "validation", field, reason: "required" }));
        expect(text, `${lang} ${field}`).toContain(label);
      }
    }
    expect(strip(errorText("en", { kind: "validation", field: "stock", reason: "not_a_number" }))).toBe(
      "“In stock” must be a number",
    );
    expect(strip(errorText("fr", { kind: "validation", field: "origin", reason: "too_long" }))).toBe(
      "Le champ « Ville ou village » est trop long — raccourcissez-le",
    );
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

  it("never shows the backend's or the IPC's own (English) detail", () => {
    for (const lang of LANGS) {
      expect(errorText(lang, { kind: "ipc", message: "no runtime" })).not.toContain("no runtime");
    }
    expect(errorText("fr", { kind: "peer", cause: "own_bundle" })).toBe("Ce lot a été fait sur cet ordinateur — importez-le sur l'autre");
    expect(errorText("ar", { kind: "storage", cause: "disk_full" })).toBe(
      "قرص هذا الحاسوب ممتلئ — وفّر بعض المساحة ثم أعد المحاولة",
    );
  });

  it("gives an error this build does not know a generic translated sentence, never its key", () => {
    const future = [
      { kind: "quota_exceeded", limit: 3 },
      { kind: "storage", cause: "cosmic_ray" },
      { kind: "system", action: "open_camera" },
      { kind: "validation", field: "colour", reason: "too_long" },
      { kind: "validation", field: "price", reason: "too_shiny" },
    ] as unknown as BackendError[];
    for (const lang of LANGS) {
      for (const error of future) {
        const text = errorText(lang, error);
        expect(text, JSON.stringify(error)).toMatch(/\S/);
        expect(text, JSON.stringify(error)).not.toMatch(/quota|cosmic|camera|colour|shiny|[{}]/);
      }
      expect(errorText(lang, future[0])).toBe(translate(lang, "error.unknown"));
      expect(errorText(lang, future[1])).toBe(translate(lang, "error.storage.other"));
    }
  });

  it("differs between languages", () => {
    for (const error of ALL_ERRORS) {
      const texts = LANGS.map((lang) => errorText(lang, error));
      expect(new Set(texts).size, JSON.stringify(error)).toBe(LANGS.length);
    }
  });
});
