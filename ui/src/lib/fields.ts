// Which editor inputs hold each field the backend names (in errors, clashes
// and lost edits), and how a field's value reads to the manager.

import { t } from "../i18n/locale.svelte";
import type { MessageKey } from "../i18n/types";
import type { ErrorField, ListingDetails } from "./backend";

export type DetailKey = keyof ListingDetails;

export const KEYS_OF: Record<ErrorField, DetailKey[]> = {
  title: ["titleAr", "titleFr", "titleEn"],
  description: ["descriptionAr", "descriptionFr", "descriptionEn"],
  price: ["price"],
  category: ["category"],
  stock: ["stock"],
  unit: ["unit"],
  weight: ["weightGrams"],
  status: ["status"],
  tags: ["tags"],
  artisan: ["artisan"],
  name: ["artisan"],
  materials: ["materials"],
  origin: ["origin"],
  region: ["region"],
  dimensions: ["dimensions"],
  photos: [],
  market_url: [],
  enroll_code: [],
  daily_budget: [],
};

/** A field's value as the manager reads it (vocabulary keys translated). */
export function shownValue(field: ErrorField, from: ListingDetails): string {
  const values = KEYS_OF[field]
    .map((k) => {
      const v = from[k].trim();
      if (v === "") return "";
      if (k === "category") return t(`category.${v}` as MessageKey);
      if (k === "unit") return t(`unit.${v}` as MessageKey);
      if (k === "status") return t(`listingStatus.${v}` as MessageKey);
      return v;
    })
    .filter((v) => v !== "");
  return values.length > 0 ? values.join(" · ") : t("editor.empty");
}
