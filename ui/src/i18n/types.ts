import type { en } from "./en";

export const LANGS = ["ar", "fr", "en"] as const;
export type Lang = (typeof LANGS)[number];

/**
 * A message that depends on a count. Keys are CLDR plural categories, as
 * returned by `Intl.PluralRules(lang).select(count)`; `other` is always
 * required. Each catalog must give every category its language uses
 * (Arabic: zero, one, two, few, many, other), which a test checks.
 */
export type PluralMessage = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };

/** A plain message, or a plural one. Placeholders are written `{name}`. */
export type Message = string | PluralMessage;

/** English is the reference catalog: its keys are the message keys. */
export type MessageKey = keyof typeof en;

/** Every catalog has every key, and a key is plural in all catalogs or in none. */
export type Catalog = {
  [K in MessageKey]: (typeof en)[K] extends string ? string : PluralMessage;
};
