import { describe, expect, it } from "vitest";
import { langFromNavigator } from "./locale.svelte";

describe("langFromNavigator", () => {
  it("maps ar* and fr* and falls back to English", () => {
    expect(langFromNavigator("ar-MA")).toBe("ar");
    expect(langFromNavigator("ar")).toBe("ar");
    expect(langFromNavigator("fr-FR")).toBe("fr");
    expect(langFromNavigator("FR")).toBe("fr");
    expect(langFromNavigator("en-US")).toBe("en");
    expect(langFromNavigator("es")).toBe("en");
    expect(langFromNavigator(undefined)).toBe("en");
  });
});
