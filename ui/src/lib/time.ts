import { intlLocale } from "../i18n/intl";
import type { Lang } from "../i18n/types";

function sameDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/**
 * When the last sync happened: the time alone if it was today, the date and
 * time otherwise. Absolute on purpose: it never goes stale, so nothing needs
 * to tick.
 */
export function formatSyncedAt(ms: number, lang: Lang, now: Date = new Date()): string {
  const at = new Date(ms);
  const options: Intl.DateTimeFormatOptions = sameDay(at, now)
    ? { timeStyle: "short" }
    : { dateStyle: "medium", timeStyle: "short" };
  return new Intl.DateTimeFormat(intlLocale(lang), options).format(at);
}

/** Full date and time, for a tooltip. */
export function formatFullDate(ms: number, lang: Lang): string {
  return new Intl.DateTimeFormat(intlLocale(lang), { dateStyle: "full", timeStyle: "medium" }).format(new Date(ms));
}
