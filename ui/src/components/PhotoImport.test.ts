// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { setLang } from "../i18n/locale.svelte";
import * as backend from "../lib/backend";
import PhotoImport from "./PhotoImport.svelte";

vi.mock("../lib/backend", () => ({
  pickPhotos: vi.fn(),
  importPhotos: vi.fn(),
  cancelPhotoImport: vi.fn(),
}));

const strip = (s: string | null) => (s ?? "").replace(/[\u2068\u2069]/g, "");

describe("PhotoImport", () => {
  beforeEach(() => {
    setLang("fr");
    vi.resetAllMocks();
  });

  it("imports the picked photos, shows progress, then what was added and what failed", async () => {
    vi.mocked(backend.pickPhotos).mockResolvedValue(["/photos/tapis.jpg", "/photos/iphone.heic"]);
    let finish: () => void = () => {};
    vi.mocked(backend.importPhotos).mockImplementation((_id, _paths, onProgress) => {
      onProgress({ done: 1, total: 2, current: "tapis.jpg" });
      return new Promise((resolve) => {
        finish = () =>
          resolve({
            status: "ok",
            data: {
              imported: 1,
              failed: [{ file: "iphone.heic", kind: "heic" }],
              listing: { id: "L1", title: "Tapis", titleLang: "fr", priceCentimes: 100, updatedAtMs: 1, status: "ready", sync: { state: "waiting" }, moderation: null, photoCount: 1, stock: 3, ledger: null },
            },
          });
      });
    });
    const onimported = vi.fn();
    render(PhotoImport, { listingId: "L1", title: "Tapis", onimported });

    await fireEvent.click(screen.getByTestId("add-photos"));
    const bar = (await screen.findByTestId("photo-progress")) as HTMLProgressElement;
    expect(bar.value).toBe(1);
    expect(bar.max).toBe(2);
    // Labelled for screen readers, and a real plural sentence (no "photo(s)").
    expect(strip(bar.getAttribute("aria-label"))).toBe("Photos en cours d’ajout à Tapis");
    expect(screen.getByTestId("photo-progress-text").textContent).toBe("1 sur 2 photos");
    expect(backend.importPhotos).toHaveBeenCalledWith("L1", ["/photos/tapis.jpg", "/photos/iphone.heic"], expect.any(Function));

    finish();
    const report = await screen.findByTestId("photo-report");
    expect(report.dataset.imported).toBe("1");
    expect(report.textContent).toContain("1 photo ajoutée");
    expect(screen.getByRole("alert").textContent).toContain("les photos HEIC ne sont pas prises en charge");
    expect(onimported).toHaveBeenCalled();
  });

  it("cancels only its own listing's import", async () => {
    vi.mocked(backend.pickPhotos).mockResolvedValue(["/photos/a.jpg"]);
    vi.mocked(backend.importPhotos).mockImplementation(() => new Promise(() => {}));
    vi.mocked(backend.cancelPhotoImport).mockResolvedValue({ status: "ok", data: null });
    render(PhotoImport, { listingId: "L1", title: "Tapis" });
    render(PhotoImport, { listingId: "L2", title: "Tajine" });
    await fireEvent.click(screen.getAllByTestId("add-photos")[0]);
    await fireEvent.click(await screen.findByTestId("cancel-photos"));
    expect(backend.cancelPhotoImport).toHaveBeenCalledExactlyOnceWith("L1");
  });

  it("keeps the reason when the whole import fails", async () => {
    vi.mocked(backend.pickPhotos).mockResolvedValue(["/photos/a.jpg"]);
    vi.mocked(backend.importPhotos).mockResolvedValue({ status: "error", error: { kind: "storage", cause: "disk_full" } });
    render(PhotoImport, { listingId: "L1" });
    await fireEvent.click(screen.getByTestId("add-photos"));
    const failure = await screen.findByTestId("photo-failure");
    expect(strip(failure.textContent)).toBe(
      "Les photos n’ont pas pu être ajoutées : Le disque de cet ordinateur est plein — libérez de la place, puis réessayez",
    );
  });

  it("gives a photo error it does not know a generic reason, not its key", async () => {
    vi.mocked(backend.pickPhotos).mockResolvedValue(["/photos/a.jxl"]);
    vi.mocked(backend.importPhotos).mockResolvedValue({
      status: "ok",
      data: {
        imported: 0,
        failed: [{ file: "a.jxl", kind: "quantum_format" }],
        listing: { id: "L1", title: "Tapis", titleLang: "fr", priceCentimes: 100, updatedAtMs: 1, status: "ready", sync: { state: "live" }, moderation: null, photoCount: 0, stock: 3, ledger: null },
      },
    });
    render(PhotoImport, { listingId: "L1" });
    await fireEvent.click(screen.getByTestId("add-photos"));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("la photo n’a pas pu être ajoutée");
    expect(alert.textContent).not.toContain("quantum_format");
  });

  it("does nothing when the dialog is cancelled", async () => {
    vi.mocked(backend.pickPhotos).mockResolvedValue([]);
    render(PhotoImport, { listingId: "L1" });
    await fireEvent.click(screen.getByTestId("add-photos"));
    await waitFor(() => expect(backend.pickPhotos).toHaveBeenCalled());
    expect(backend.importPhotos).not.toHaveBeenCalled();
  });
});
