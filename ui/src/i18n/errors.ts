import type { BackendError } from "../lib/backend";
import { translate } from "./translate";
import type { Lang } from "./types";

/** The user-facing text for any error the backend can return. */
export function errorText(lang: Lang, error: BackendError): string {
  switch (error.kind) {
    case "validation":
      return translate(lang, `error.${error.field}.${error.reason}`);
    case "not_found":
      return translate(lang, "error.not_found");
    case "storage":
      return translate(lang, "error.storage", { message: error.message });
    case "ipc":
      return translate(lang, "error.ipc", { message: error.message });
  }
}
