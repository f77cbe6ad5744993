// @vitest-environment jsdom
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { setLang } from "../i18n/locale.svelte";
import { exportSales, salesJournal, undoLastSale, type JournalView } from "../lib/backend";
import { dayRange, noteSalesChanged } from "../lib/sales.svelte";
import SalesJournal from "./SalesJournal.svelte";

vi.mock("../lib/backend", () => ({
  salesJournal: vi.fn(),
  undoLastSale: vi.fn(),
  exportSales: vi.fn(),
}));

const strip = (s: string | null) => (s ?? "").replace(/[\u2068\u2069\u200f\u00a0\u202f]/g, " ").replace(/\s+/g, " ").trim();

const day: JournalView = {
  sales: [],
  lines: [
    { listingId: "L1", title: "Tapis Azilal", units: 2, totalCentimes: 640000, soldOut: true },
    { listingId: "L2", title: "طاجين", units: 1, totalCentimes: 25000, soldOut: false },
  ],
  count: 3,
  units: 3,
  totalCentimes: 665000,
};

describe("SalesJournal", () => {
  beforeEach(() => {
    setLang("en");
    vi.mocked(salesJournal).mockReset().mockResolvedValue({ status: "ok", data: day });
    vi.mocked(undoLastSale).mockReset();
    vi.mocked(exportSales).mockReset();
  });

  it("shows the day's count, units and total, and what sold out", async () => {
    render(SalesJournal, {});
    await waitFor(() => expect(screen.getByTestId("sales-summary").dataset.count).toBe("3"));
    expect(strip(screen.getByTestId("sales-summary").textContent)).toMatch(/^3 sales · 3 units · MAD 6,650.00$/);
    const lines = screen.getAllByTestId("sales-line");
    expect(lines.map((l) => l.dataset.soldOut)).toEqual(["true", "false"]);
    expect(strip(lines[0].textContent)).toContain("Sold out");
    // Today, local: midnight to midnight.
    const [from, to] = vi.mocked(salesJournal).mock.calls[0];
    expect(new Date(from).getHours()).toBe(0);
    expect(to - from).toBeGreaterThanOrEqual(23 * 3600 * 1000);
  });

  it("counts in Arabic with its plural forms", async () => {
    setLang("ar");
    vi.mocked(salesJournal).mockResolvedValue({ status: "ok", data: { ...day, count: 2 } });
    render(SalesJournal, {});
    await waitFor(() => expect(screen.getByTestId("sales-summary").dataset.count).toBe("2"));
    expect(strip(screen.getByTestId("sales-summary").textContent)).toMatch(/^بيعان/);
  });

  it("reads again after a sale elsewhere in the window, and for another day", async () => {
    const user = userEvent.setup();
    render(SalesJournal, {});
    await waitFor(() => expect(salesJournal).toHaveBeenCalledTimes(1));
    noteSalesChanged();
    await waitFor(() => expect(salesJournal).toHaveBeenCalledTimes(2));
    const input = screen.getByTestId("sales-day") as HTMLInputElement;
    await user.clear(input);
    await user.type(input, "2026-12-03");
    await waitFor(() => expect(vi.mocked(salesJournal).mock.lastCall).toEqual(dayRange("2026-12-03")));
  });

  it("undoes the last sale and says which", async () => {
    vi.mocked(undoLastSale).mockResolvedValue({
      status: "ok",
      data: { id: "S3", listingId: "L2", title: "طاجين", quantity: 1, unitPriceCentimes: 25000, totalCentimes: 25000, note: null, soldAtMs: 1 },
    });
    const changed = vi.fn();
    const user = userEvent.setup();
    render(SalesJournal, { onchanged: changed });
    await user.click(screen.getByTestId("undo-sale"));
    expect(strip(screen.getByTestId("sales-message").textContent)).toBe("Sale undone: 1 × طاجين");
    expect(changed).toHaveBeenCalledTimes(1);
    await waitFor(() => expect(salesJournal).toHaveBeenCalledTimes(2));
  });

  it("exports the day and says how many rows went", async () => {
    vi.mocked(exportSales).mockResolvedValue({ status: "ok", data: 3 });
    const user = userEvent.setup();
    render(SalesJournal, {});
    await waitFor(() => expect(screen.getByTestId("sales-summary").dataset.count).toBe("3"));
    await user.click(screen.getByTestId("export-sales"));
    expect(vi.mocked(exportSales).mock.calls[0][2]).toMatch(/^ventes-\d{4}-\d{2}-\d{2}\.csv$/);
    expect(strip(screen.getByTestId("sales-message").textContent)).toBe("3 sales written to the file");
  });
});
