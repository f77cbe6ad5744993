// @vitest-environment jsdom
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { setLang } from "../i18n/locale.svelte";
import { openPrint, printPreview, savePrint, type PrintPreview } from "../lib/backend";
import PrintPanel from "./PrintPanel.svelte";

vi.mock("../lib/backend", () => ({
  printPreview: vi.fn(),
  savePrint: vi.fn(),
  openPrint: vi.fn(),
}));

const strip = (s: string | null) => (s ?? "").replace(/[\u2068\u2069\u200f\u00a0\u202f]/g, " ").replace(/\s+/g, " ").trim();

const svg = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 595 842"><rect width="10" height="10"/></svg>';
const threePages: PrintPreview = { pages: [svg, svg], totalPages: 3, items: 50 };

describe("PrintPanel", () => {
  beforeEach(() => {
    setLang("en");
    vi.mocked(printPreview).mockReset().mockResolvedValue({ status: "ok", data: threePages });
    vi.mocked(savePrint).mockReset();
    vi.mocked(openPrint).mockReset().mockResolvedValue({ status: "ok", data: null });
  });

  it("previews the labels of the listings in the list, as many of each as asked, on the chosen paper", async () => {
    const user = userEvent.setup();
    render(PrintPanel, { ids: ["L1", "L2"] });
    expect(strip(screen.getByTestId("print-scope").textContent)).toBe("For the 2 listings shown in the list (search to choose)");
    await user.selectOptions(screen.getByTestId("print-layout"), "a4_2x7");
    await user.clear(screen.getByTestId("print-copies"));
    await user.type(screen.getByTestId("print-copies"), "25");
    await user.click(screen.getByTestId("print-preview"));
    await waitFor(() => expect(screen.getAllByTestId("print-page")).toHaveLength(2));
    expect(vi.mocked(printPreview).mock.calls[0][0]).toEqual({ kind: "labels", ids: ["L1", "L2"], copies: 25, layout: "a4_2x7" });
    expect(strip(screen.getByTestId("print-summary").textContent)).toBe("50 labels · 3 pages");
    const img = screen.getAllByTestId("print-page")[0] as HTMLImageElement;
    expect(img.src.startsWith("data:image/svg+xml")).toBe(true);
    expect(decodeURIComponent(img.src)).toContain("<rect");
    expect(img.alt).toBe("Page 1 of 3");
  });

  it("asks for the catalogue's edition with today's date, and says it in Arabic with its plurals", async () => {
    setLang("ar");
    vi.mocked(printPreview).mockResolvedValue({ status: "ok", data: { pages: [svg], totalPages: 2, items: 11 } });
    const user = userEvent.setup();
    render(PrintPanel, { ids: [] });
    await user.click(screen.getByTestId("print-catalogue"));
    await user.click(screen.getByTestId("print-only-live"));
    await user.click(screen.getByTestId("print-preview"));
    await waitFor(() => expect(screen.getByTestId("print-summary")).toBeTruthy());
    const job = vi.mocked(printPreview).mock.calls[0][0];
    expect(job).toMatchObject({ kind: "catalogue", edition: "ar", only_live: true });
    expect(job.kind === "catalogue" && job.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(strip(screen.getByTestId("print-summary").textContent)).toBe("11 منتجًا · صفحتان");
  });

  it("cannot print labels of an empty list, and says why", () => {
    render(PrintPanel, { ids: [] });
    expect(strip(screen.getByTestId("print-scope").textContent)).toMatch(/^No listing in the list/);
    expect((screen.getByTestId("print-preview") as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByTestId("print-save") as HTMLButtonElement).disabled).toBe(true);
  });

  it("saves the PDF, then opens it to print; a cancelled dialog changes nothing", async () => {
    const user = userEvent.setup();
    render(PrintPanel, { ids: ["L1"] });
    vi.mocked(savePrint).mockResolvedValueOnce({ status: "ok", data: null });
    await user.click(screen.getByTestId("print-save"));
    await waitFor(() => expect(savePrint).toHaveBeenCalledTimes(1));
    expect(screen.queryByTestId("print-saved")).toBeNull();
    vi.mocked(savePrint).mockResolvedValueOnce({ status: "ok", data: "/media/usb/etiquettes.pdf" });
    await user.click(screen.getByTestId("print-save"));
    await waitFor(() => expect(screen.getByTestId("print-saved")).toBeTruthy());
    expect(strip(screen.getByTestId("print-saved").textContent)).toBe("Saved: etiquettes.pdf");
    expect(vi.mocked(savePrint).mock.calls[1][1]).toMatch(/^etiquettes-\d{4}-\d{2}-\d{2}\.pdf$/);
    await user.click(screen.getByTestId("print-open"));
    expect(openPrint).toHaveBeenCalledWith("/media/usb/etiquettes.pdf");
  });

  it("shows the backend's refusal in the user's language", async () => {
    setLang("fr");
    vi.mocked(printPreview).mockResolvedValue({ status: "error", error: { kind: "print", cause: "nothing_to_print" } });
    const user = userEvent.setup();
    render(PrintPanel, { ids: ["L1"] });
    await user.click(screen.getByTestId("print-preview"));
    await waitFor(() => expect(screen.getByTestId("print-error")).toBeTruthy());
    expect(screen.getByTestId("print-error").textContent).toMatch(/^Rien à imprimer/);
  });

  it("keeps the preview when the list is read again with the same listings, and drops it when they change", async () => {
    const user = userEvent.setup();
    const { rerender } = render(PrintPanel, { ids: ["L1", "L2"] });
    await user.click(screen.getByTestId("print-preview"));
    await waitFor(() => expect(screen.getAllByTestId("print-page")).toHaveLength(2));
    await rerender({ ids: ["L1", "L2"] });
    expect(screen.getAllByTestId("print-page")).toHaveLength(2);
    await rerender({ ids: ["L1"] });
    await waitFor(() => expect(screen.queryByTestId("print-page")).toBeNull());
  });
});
