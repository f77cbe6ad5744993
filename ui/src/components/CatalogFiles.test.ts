// @vitest-environment jsdom
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { setLang } from "../i18n/locale.svelte";
import {
  applyCsvImport,
  backupCatalog,
  exportCatalogCsv,
  pickBackup,
  pickCsv,
  planCsvImport,
  restoreCatalog,
} from "../lib/backend";
import CatalogFiles from "./CatalogFiles.svelte";

vi.mock("../lib/backend", () => ({
  pickCsv: vi.fn(),
  pickBackup: vi.fn(),
  planCsvImport: vi.fn(),
  applyCsvImport: vi.fn(),
  exportCatalogCsv: vi.fn(),
  backupCatalog: vi.fn(),
  restoreCatalog: vi.fn(),
}));

const strip = (s: string | null) => (s ?? "").replace(/[\u2068\u2069\u200f\u00a0\u202f]/g, " ").replace(/\s+/g, " ").trim();

describe("CatalogFiles", () => {
  beforeEach(() => {
    setLang("en");
    for (const f of [pickCsv, pickBackup, planCsvImport, applyCsvImport, exportCatalogCsv, backupCatalog, restoreCatalog]) vi.mocked(f).mockReset();
  });

  it("shows what a CSV import would do, row errors as a table, and imports only on the manager's word", async () => {
    vi.mocked(pickCsv).mockResolvedValue("/media/usb/catalogue.csv");
    vi.mocked(planCsvImport).mockResolvedValue({
      status: "ok",
      data: {
        valid: 30,
        encoding: "windows-1256",
        errors: [
          { row: 4, column: "price_mad", reason: "not_a_number" },
          { row: 9, column: "title_fr", reason: "required" },
        ],
      },
    });
    vi.mocked(applyCsvImport).mockResolvedValue({ status: "ok", data: 30 });
    const onchanged = vi.fn();
    const user = userEvent.setup();
    render(CatalogFiles, { onchanged });
    await user.click(screen.getByTestId("import-csv"));
    await waitFor(() => expect(screen.getByTestId("import-plan")).toBeTruthy());
    expect(applyCsvImport).not.toHaveBeenCalled();
    const rows = screen.getAllByTestId("import-error");
    expect(rows.map((r) => r.dataset.row)).toEqual(["4", "9"]);
    const cells = [...rows[0].querySelectorAll("td")].map((c) => (c.textContent ?? "").replace(/[\u2068\u2069]/g, ""));
    expect(cells).toEqual(["4", "price_mad", "“price_mad” must be a number"]);
    expect(strip(screen.getByTestId("import-confirm").textContent)).toBe("Import 30 listings");
    await user.click(screen.getByTestId("import-confirm"));
    await waitFor(() => expect(screen.getByTestId("files-message").textContent).toBe("30 listings imported"));
    expect(applyCsvImport).toHaveBeenCalledWith("/media/usb/catalogue.csv");
    expect(onchanged).toHaveBeenCalled();
    expect(screen.queryByTestId("import-plan")).toBeNull();
  });

  it("names the unsent listings a restore would overwrite, in Arabic, and restores only when asked again", async () => {
    setLang("ar");
    vi.mocked(pickBackup).mockResolvedValue("/media/usb/hanout.db");
    vi.mocked(restoreCatalog)
      .mockResolvedValueOnce({ status: "error", error: { kind: "restore_would_lose", titles: ["زربية", "Tajine"] } })
      .mockResolvedValueOnce({ status: "ok", data: { lost: ["زربية", "Tajine"], safetyBackup: "/data/backups/x.db" } });
    const user = userEvent.setup();
    render(CatalogFiles, {});
    await user.click(screen.getByTestId("restore"));
    await waitFor(() => expect(screen.getByTestId("restore-would-lose").dataset.count).toBe("2"));
    expect(strip(screen.getByTestId("restore-would-lose").textContent)).toMatch(/^استرجاع هذه النسخة سيمحو منتجين/);
    expect(vi.mocked(restoreCatalog).mock.calls[0]).toEqual(["/media/usb/hanout.db", false]);
    await user.click(screen.getByTestId("restore-anyway"));
    await waitFor(() => expect(screen.getByTestId("files-message")).toBeTruthy());
    expect(vi.mocked(restoreCatalog).mock.calls[1]).toEqual(["/media/usb/hanout.db", true]);
  });

  it("exports and backs up where the manager chooses; a cancelled dialog says nothing", async () => {
    setLang("fr");
    vi.mocked(exportCatalogCsv).mockResolvedValueOnce({ status: "ok", data: null }).mockResolvedValueOnce({ status: "ok", data: 32 });
    vi.mocked(backupCatalog).mockResolvedValue({ status: "ok", data: "/media/usb/hanout-2026-12-07.db" });
    const user = userEvent.setup();
    render(CatalogFiles, {});
    await user.click(screen.getByTestId("export-csv"));
    await waitFor(() => expect(exportCatalogCsv).toHaveBeenCalledTimes(1));
    expect(screen.queryByTestId("files-message")).toBeNull();
    await user.click(screen.getByTestId("export-csv"));
    await waitFor(() => expect(screen.getByTestId("files-message").textContent).toBe("32 annonces écrites dans le fichier"));
    expect(vi.mocked(exportCatalogCsv).mock.calls[1][0]).toMatch(/^catalogue-\d{4}-\d{2}-\d{2}\.csv$/);
    await user.click(screen.getByTestId("backup-now"));
    await waitFor(() => expect(strip(screen.getByTestId("files-message").textContent)).toBe("Sauvegarde enregistrée : hanout-2026-12-07.db"));
  });

  it("says a file that is not a CSV cannot be read", async () => {
    vi.mocked(pickCsv).mockResolvedValue("/home/coop/photo.jpg");
    vi.mocked(planCsvImport).mockResolvedValue({ status: "error", error: { kind: "csv_unreadable" } });
    const user = userEvent.setup();
    render(CatalogFiles, {});
    await user.click(screen.getByTestId("import-csv"));
    await waitFor(() => expect(screen.getByTestId("files-error").textContent).toMatch(/^This file is not a CSV file Hanout can read/));
  });
});
