import type { BackendError, ErrorField } from "../lib/backend";
import { translate } from "./translate";
import type { Lang, MessageKey } from "./types";

/**
 * What each field is called in errors: the label the manager sees on its
 * input, so "“In stock” must be a number" points at the box labelled
 * "In stock".
 */
export const FIELD_LABEL: Record<ErrorField, MessageKey> = {
  title: "form.title",
  description: "editor.description",
  price: "editor.price",
  category: "editor.category",
  stock: "editor.stock",
  unit: "editor.unit",
  weight: "editor.weight",
  status: "editor.status",
  tags: "editor.tags",
  artisan: "editor.artisan",
  name: "editor.artisan",
  materials: "editor.materials",
  origin: "editor.origin",
  region: "editor.region",
  dimensions: "editor.dimensions",
  photos: "editor.photos",
  market_url: "connection.url",
  enroll_code: "connection.code",
  daily_budget: "settings.budget",
};

/** The label of a field the backend names; null for one this build does not know. */
export function fieldLabel(lang: Lang, field: string): string | null {
  const key = (FIELD_LABEL as Record<string, MessageKey | undefined>)[field];
  return key ? translate(lang, key) : null;
}

const FIELD_REASONS = [
  "required",
  "too_long",
  "not_a_number",
  "too_many_decimals",
  "negative",
  "too_large",
  "unknown",
  "invalid",
  "locked",
  "insecure",
] as const;
/** The reasons the quick form's title and price have sentences of their own for. */
const QUICK_FORM_REASONS = ["required", "too_long", "not_a_number", "too_many_decimals", "negative", "too_large", "unknown"] as const;
const STORAGE_CAUSES = ["disk_full", "damaged", "too_new", "busy", "other"] as const;
const SYSTEM_ACTIONS = ["start_at_login", "open_page", "open_folder", "install_update", "open_file"] as const;
const PRINT_CAUSES = ["nothing_to_print", "not_saved", "failed"] as const;
const PEER_CAUSES = [
  "not_connected",
  "not_a_bundle",
  "bundle_too_new",
  "other_cooperative",
  "own_bundle",
  "wrong_code",
  "code_changed",
  "unreachable",
  "failed",
] as const;

function oneOf<T extends string>(list: readonly T[], value: unknown): value is T {
  return typeof value === "string" && (list as readonly string[]).includes(value);
}

/**
 * The user-facing text for any error the backend can return. Only keys
 * come from the backend, never English text; a kind, reason or cause this
 * build does not know (a newer backend) gets a generic sentence, never the
 * raw key.
 */
export function errorText(lang: Lang, error: BackendError): string {
  const e = error as { kind: string; field?: unknown; reason?: unknown; cause?: unknown; action?: unknown; titles?: unknown };
  switch (e.kind) {
    case "validation": {
      const reason = oneOf(FIELD_REASONS, e.reason) ? e.reason : "invalid";
      if ((e.field === "title" || e.field === "price") && oneOf(QUICK_FORM_REASONS, reason)) {
        return translate(lang, `error.${e.field}.${reason}`);
      }
      const label = fieldLabel(lang, String(e.field));
      if (label === null) return translate(lang, "error.invalidInput");
      return translate(lang, `error.field.${reason}`, { field: label });
    }
    case "not_found":
      return translate(lang, "error.not_found");
    case "storage":
      return translate(lang, `error.storage.${oneOf(STORAGE_CAUSES, e.cause) ? e.cause : "other"}`);
    case "system":
      return oneOf(SYSTEM_ACTIONS, e.action) ? translate(lang, `error.system.${e.action}`) : translate(lang, "error.unknown");
    case "restore_would_lose":
      return translate(lang, "files.restoreWouldLose", { count: Array.isArray(e.titles) ? e.titles.length : 0 });
    case "csv_unreadable":
      return translate(lang, "error.csv_unreadable");
    case "print":
      return translate(lang, `error.print.${oneOf(PRINT_CAUSES, e.cause) ? e.cause : "failed"}`);
    case "peer":
      return translate(lang, `error.peer.${oneOf(PEER_CAUSES, e.cause) ? e.cause : "failed"}`);
    case "internal":
      return translate(lang, "error.internal");
    case "edited_meanwhile":
      return translate(lang, "error.edited_meanwhile");
    case "ipc":
      return translate(lang, "error.ipc");
    default:
      return translate(lang, "error.unknown");
  }
}
