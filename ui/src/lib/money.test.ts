import { describe, expect, it } from "vitest";
import { formatPrice } from "./money";

// Intl uses narrow no-break spaces in French; compare with plain spaces.
const spaces = (s: string) => s.replace(/\s/g, " ");

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

  it("follows Arabic conventions as Intl gives them", () => {
    const expected = new Intl.NumberFormat("ar", { style: "currency", currency: "MAD" }).format(4500.5);
    expect(formatPrice(450050, "ar")).toBe(expected);
    expect(formatPrice(450050, "ar")).toContain("د.م.");
  });
});
