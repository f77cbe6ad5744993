import { intlLocale } from "../i18n/intl";
import type { Lang } from "../i18n/types";

const formats = new Map<Lang, Intl.NumberFormat>();

/**
 * Formats an amount the backend keeps as integer centimes, in dirhams.
 * The division by 100 happens only here, for display; no arithmetic is done
 * on the result.
 */
export function formatPrice(centimes: number, lang: Lang): string {
  let format = formats.get(lang);
  if (!format) {
    format = new Intl.NumberFormat(intlLocale(lang), { style: "currency", currency: "MAD" });
    formats.set(lang, format);
  }
  return format.format(centimes / 100);
}
