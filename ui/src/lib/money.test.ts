import { describe, expect, it } from "vitest";
import { formatPrice } from "./money";

// Intl uses narrow no-break spaces in French; compare with plain spaces.
const spaces = (s: string) => s.replace(/\s/g, " ");
// Bidi marks Intl puts around Arabic currency text; invisible.
const marks = (s: string) => s.replace(/[\u200e\u200f\u061c]/g, "");

describe("formatPrice", () => {
  it("turns centimes into dirhams with two decimals", () => {
    expect(spaces(formatPrice(450050, "en"))).toBe("MAD 4,500.50");
    expect(spaces(formatPrice(450000, "en"))).toBe("MAD 4,500.00");
    expect(spaces(formatPrice(1, "en"))).toBe("MAD 0.01");
    expect(spaces(formatPrice(99, "en"))).toBe("MAD 0.99");
    expect(spaces(formatPrice(0, "en"))).toBe("MAD 0.00");
  });

  it("is exact for large amounts", () => {
    expect(spaces(formatPrice(123456789, "en"))).toBe("MAD 1,234,567.89");
    expect(spaces(formatPrice(999999999999, "en"))).toBe("MAD 9,999,999,999.99");
  });

  it("follows French conventions", () => {
    expect(spaces(formatPrice(450050, "fr"))).toBe("4 500,50 MAD");
  });

  it("writes Arabic prices the Moroccan way: Latin digits, ar-MA separators, د.م.", () => {
    const text = marks(spaces(formatPrice(450050, "ar")));
    expect(text).toBe("4.500,50 د.م.");
    expect(formatPrice(450050, "ar")).not.toMatch(/[\u0660-\u0669\u06F0-\u06F9]/);
    // Not bare `ar`, whose digits and separators differ (٤٬٥٠٠٫٥٠ in some ICU versions).
    expect(formatPrice(450050, "ar")).toBe(
      new Intl.NumberFormat("ar-MA", { style: "currency", currency: "MAD" }).format(4500.5),
    );
  });
});
