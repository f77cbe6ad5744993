import type { BackendError } from "../lib/backend";
import { translate } from "./translate";
import type { Lang } from "./types";

/** The user-facing text for any error the backend can return. */
export function errorText(lang: Lang, error: BackendError): string {
  switch (error.kind) {
    case "validation":
      // Title and price (the quick form) have their own sentences; other
      // fields share one sentence per reason, naming the field.
      if ((error.field === "title" || error.field === "price") && isQuickFormReason(error.reason)) {
        return translate(lang, `error.${error.field}.${error.reason}`);
      }
      return translate(lang, `error.field.${error.reason}`, { field: translate(lang, `field.${error.field}`) });
    case "not_found":
      return translate(lang, "error.not_found");
    case "storage":
      return translate(lang, "error.storage", { message: error.message });
    case "system":
      return translate(lang, "error.system", { message: error.message });
    case "ipc":
      return translate(lang, "error.ipc", { message: error.message });
  }
}

/** The reasons the quick form's title and price have sentences of their own for. */
const QUICK_FORM_REASONS = ["required", "too_long", "not_a_number", "too_many_decimals", "negative", "too_large", "unknown"] as const;

function isQuickFormReason(reason: string): reason is (typeof QUICK_FORM_REASONS)[number] {
  return (QUICK_FORM_REASONS as readonly string[]).includes(reason);
}
