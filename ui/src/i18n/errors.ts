import type { BackendError } from "../lib/backend";
import { translate } from "./translate";
import type { Lang } from "./types";

/** The user-facing text for any error the backend can return. */
export function errorText(lang: Lang, error: BackendError): string {
  switch (error.kind) {
    case "validation":
      // Title and price (the quick form) have their own sentences; other
      // fields share one sentence per reason, naming the field.
      if (error.field === "title" || error.field === "price") {
        return translate(lang, `error.${error.field}.${error.reason}`);
      }
      return translate(lang, `error.field.${error.reason}`, { field: translate(lang, `field.${error.field}`) });
    case "not_found":
      return translate(lang, "error.not_found");
    case "storage":
      return translate(lang, "error.storage", { message: error.message });
    case "ipc":
      return translate(lang, "error.ipc", { message: error.message });
  }
}
