// @vitest-environment jsdom
import { fireEvent, render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { setLang } from "../i18n/locale.svelte";
import { addStock, recordSale, type ListingView } from "../lib/backend";
import { salesChanged } from "../lib/sales.svelte";
import SaleForm from "./SaleForm.svelte";

vi.mock("../lib/backend", () => ({
  recordSale: vi.fn(),
  addStock: vi.fn(),
}));

const listing: ListingView = {
  id: "L1",
  title: "زربية أزيلال",
  titleLang: "ar",
  priceCentimes: 320000,
  stock: 2,
  updatedAtMs: 1,
  status: "ready",
  sync: { state: "live" },
  moderation: null,
  photoCount: 1,
  ledger: null,
};

const strip = (s: string | null) => (s ?? "").replace(/[\u2068\u2069]/g, "");

describe("SaleForm", () => {
  beforeEach(() => {
    setLang("fr");
    vi.mocked(recordSale).mockReset();
    vi.mocked(addStock).mockReset();
  });

  it("records a sale by keyboard: quantity, price paid, note, Enter", async () => {
    vi.mocked(recordSale).mockResolvedValue({
      status: "ok",
      data: {
        id: "S1",
        listingId: "L1",
        title: listing.title,
        quantity: 2,
        unitPriceCentimes: 300000,
        totalCentimes: 600000,
        note: "client de Fès",
        soldAtMs: 1,
      },
    });
    const done = vi.fn();
    const version = salesChanged.version;
    const user = userEvent.setup();
    render(SaleForm, { listing, mode: "sale", ondone: done, oncancel: vi.fn() });
    // The quantity has focus, selected: typing replaces it.
    await user.keyboard("2");
    await user.click(screen.getByTestId("sale-price"));
    await user.keyboard("3000");
    await user.click(screen.getByTestId("sale-note"));
    await user.keyboard("client de Fès{Enter}");
    expect(recordSale).toHaveBeenCalledWith("L1", 2, "3000", "client de Fès");
    expect(done).toHaveBeenCalledWith(expect.stringContaining("Vendu : 2 × "));
    expect(salesChanged.version).toBe(version + 1);
  });

  it("refuses more units than the stock here, and a quantity that is not a whole number, without a call", async () => {
    const user = userEvent.setup();
    render(SaleForm, { listing, mode: "sale", ondone: vi.fn(), oncancel: vi.fn() });
    await user.keyboard("3{Enter}");
    expect(strip(screen.getByTestId("sale-error").textContent)).toBe("Il n'en reste que 2 en stock ici");
    await fireEvent.input(screen.getByTestId("sale-quantity"), { target: { value: "0" } });
    await fireEvent.submit(screen.getByTestId("sale-form"));
    expect(strip(screen.getByTestId("sale-error").textContent)).toContain("nombre entier");
    expect(recordSale).not.toHaveBeenCalled();
  });

  it("says the store's refusal in the manager's language", async () => {
    setLang("ar");
    vi.mocked(recordSale).mockResolvedValue({
      status: "error",
      error: { kind: "validation", field: "price", reason: "invalid" },
    });
    const user = userEvent.setup();
    render(SaleForm, { listing, mode: "sale", ondone: vi.fn(), oncancel: vi.fn() });
    await user.click(screen.getByTestId("sale-price"));
    await user.keyboard("abc{Enter}");
    const error = strip(screen.getByTestId("sale-error").textContent);
    expect(error.length).toBeGreaterThan(0);
    expect(error).toMatch(/[\u0600-\u06FF]/);
  });

  it("adds delivered stock and says the stock now", async () => {
    vi.mocked(addStock).mockResolvedValue({ status: "ok", data: 6 });
    const done = vi.fn();
    const user = userEvent.setup();
    render(SaleForm, { listing, mode: "stock", ondone: done, oncancel: vi.fn() });
    expect(screen.queryByTestId("sale-price")).toBeNull();
    await user.keyboard("4{Enter}");
    expect(addStock).toHaveBeenCalledWith("L1", 4);
    expect(strip(done.mock.calls[0][0])).toBe("En stock maintenant : 6");
  });

  it("gives up on Escape", async () => {
    const cancel = vi.fn();
    const user = userEvent.setup();
    render(SaleForm, { listing, mode: "sale", ondone: vi.fn(), oncancel: cancel });
    await user.keyboard("{Escape}");
    expect(cancel).toHaveBeenCalledTimes(1);
  });
});
