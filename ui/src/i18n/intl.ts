import type { Lang } from "./types";

/**
 * The locale numbers, prices and dates are formatted in. Arabic is
 * `ar-MA`: Moroccans write prices with Latin digits (4.500,50 د.م.), which
 * bare `ar` would turn into Eastern Arabic ones (٤٬٥٠٠٫٥٠).
 */
export function intlLocale(lang: Lang): string {
  return lang === "ar" ? "ar-MA" : lang;
}
