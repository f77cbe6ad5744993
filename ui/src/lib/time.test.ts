import { describe, expect, it } from "vitest";
import { formatFullDate, formatSyncedAt } from "./time";

describe("formatSyncedAt", () => {
  const now = new Date(2026, 10, 23, 18, 0);

  it("shows only the time for a sync earlier today", () => {
    const at = new Date(2026, 10, 23, 14, 32).getTime();
    expect(formatSyncedAt(at, "en", now)).toBe(new Intl.DateTimeFormat("en", { timeStyle: "short" }).format(at));
    expect(formatSyncedAt(at, "fr", now)).toBe("14:32");
  });

  it("adds the date for an older sync", () => {
    const at = new Date(2026, 10, 20, 9, 5).getTime();
    expect(formatSyncedAt(at, "fr", now)).toContain("20 nov");
    expect(formatSyncedAt(at, "fr", now)).toContain("09:05");
  });

  it("writes Arabic dates with Latin digits, as in Morocco (ar-MA)", () => {
    const at = new Date(2026, 10, 20, 9, 5).getTime();
    for (const text of [formatSyncedAt(at, "ar", now), formatFullDate(at, "ar")]) {
      expect(text).toMatch(/20/);
      expect(text).toMatch(/09:05|9:05/);
      expect(text).not.toMatch(/[\u0660-\u0669\u06F0-\u06F9]/);
    }
    expect(formatSyncedAt(at, "ar", now)).toBe(
      new Intl.DateTimeFormat("ar-MA", { dateStyle: "medium", timeStyle: "short" }).format(at),
    );
  });
});
