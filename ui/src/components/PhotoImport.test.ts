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
              listing: { id: "L1", title: "Tapis", titleLang: "fr", priceCentimes: 100, updatedAtMs: 1, sync: { state: "waiting" }, moderation: null, photoCount: 1 },
            },
          });
      });
    });
    const onimported = vi.fn();
    render(PhotoImport, { listingId: "L1", onimported });

    await fireEvent.click(screen.getByTestId("add-photos"));
    const bar = (await screen.findByTestId("photo-progress")) as HTMLProgressElement;
    expect(bar.value).toBe(1);
    expect(bar.max).toBe(2);
    expect(backend.importPhotos).toHaveBeenCalledWith("L1", ["/photos/tapis.jpg", "/photos/iphone.heic"], expect.any(Function));

    finish();
    const report = await screen.findByTestId("photo-report");
    expect(report.dataset.imported).toBe("1");
    expect(report.textContent).toContain("1 photo ajoutée");
    expect(screen.getByRole("alert").textContent).toContain("les photos HEIC ne sont pas prises en charge");
    expect(onimported).toHaveBeenCalled();
  });

  it("does nothing when the dialog is cancelled", async () => {
    vi.mocked(backend.pickPhotos).mockResolvedValue([]);
    render(PhotoImport, { listingId: "L1" });
    await fireEvent.click(screen.getByTestId("add-photos"));
    await waitFor(() => expect(backend.pickPhotos).toHaveBeenCalled());
    expect(backend.importPhotos).not.toHaveBeenCalled();
  });
});
