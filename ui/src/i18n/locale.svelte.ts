// The current UI language, as reactive state. Components call `t()` in their
// markup; because it reads `locale.lang`, the markup re-renders on a switch.

import { errorText } from "./errors";
import { translate, type Params } from "./translate";
import { LANGS, type Lang, type MessageKey } from "./types";
import type { BackendError } from "../lib/backend";

const STORAGE_KEY = "hanout.lang";

export function isLang(value: unknown): value is Lang {
  return typeof value === "string" && (LANGS as readonly string[]).includes(value);
}

/** ar* → ar, fr* → fr, anything else → en. */
export function langFromNavigator(language: string | undefined): Lang {
  const tag = (language ?? "").toLowerCase();
  if (tag.startsWith("ar")) return "ar";
  if (tag.startsWith("fr")) return "fr";
  return "en";
}

function storedLang(): Lang | null {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return isLang(value) ? value : null;
  } catch {
    return null;
  }
}

function initialLang(): Lang {
  if (typeof window === "undefined") return "en";
  return storedLang() ?? langFromNavigator(navigator.language);
}

export const locale = $state<{ lang: Lang }>({ lang: initialLang() });

export function applyLangToDocument(lang: Lang): void {
  document.documentElement.lang = lang;
  document.documentElement.dir = lang === "ar" ? "rtl" : "ltr";
}

export function setLang(lang: Lang): void {
  locale.lang = lang;
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // Private mode or a full disk: the choice lasts for this session only.
  }
  applyLangToDocument(lang);
}

export function t(key: MessageKey, params?: Params): string {
  return translate(locale.lang, key, params);
}

export function tError(error: BackendError): string {
  return errorText(locale.lang, error);
}
