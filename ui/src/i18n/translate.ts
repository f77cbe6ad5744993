// A tiny ICU-like formatter: `{name}` placeholders, and plural messages keyed
// by CLDR category chosen with Intl.PluralRules. Pure: the language is an
// argument, so it is tested without any UI.

import { catalogs } from "./catalogs";
import { intlLocale } from "./intl";
import type { Lang, Message, MessageKey, PluralMessage } from "./types";

export type Params = Record<string, string | number>;

// Unicode isolates keep a Latin name or error text from scrambling an Arabic
// sentence (and the reverse); they are invisible.
const FSI = "\u2068";
const PDI = "\u2069";

const pluralRules = new Map<Lang, Intl.PluralRules>();
const numberFormats = new Map<Lang, Intl.NumberFormat>();

export function pluralCategory(lang: Lang, count: number): Intl.LDMLPluralRule {
  let rules = pluralRules.get(lang);
  if (!rules) {
    rules = new Intl.PluralRules(intlLocale(lang));
    pluralRules.set(lang, rules);
  }
  return rules.select(count);
}

export function formatNumber(lang: Lang, n: number): string {
  let format = numberFormats.get(lang);
  if (!format) {
    format = new Intl.NumberFormat(intlLocale(lang));
    numberFormats.set(lang, format);
  }
  return format.format(n);
}

function pick(lang: Lang, message: PluralMessage, params: Params): string {
  const count = params.count;
  if (typeof count !== "number") return message.other;
  return message[pluralCategory(lang, count)] ?? message.other;
}

function interpolate(lang: Lang, text: string, params: Params): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    if (value === undefined) return whole;
    return typeof value === "number" ? formatNumber(lang, value) : FSI + value + PDI;
  });
}

export function translate(lang: Lang, key: MessageKey, params: Params = {}): string {
  const message: Message = catalogs[lang][key];
  const text = typeof message === "string" ? message : pick(lang, message, params);
  return interpolate(lang, text, params);
}
