// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { setLang } from "../i18n/locale.svelte";
import { arrangePhotos, importPhotos, listingPhotos, onFileDrop, type FileDrop, type PhotoView } from "../lib/backend";
import PhotoManager from "./PhotoManager.svelte";

vi.mock("../lib/backend", () => ({
  listingPhotos: vi.fn(),
  arrangePhotos: vi.fn(),
  onFileDrop: vi.fn(),
  pickPhotos: vi.fn(),
  importPhotos: vi.fn(),
  cancelPhotoImport: vi.fn(),
}));

const ID = "0190a1b2-0000-7000-8000-000000000001";
const photo = (sha: string): PhotoView => ({ sha256: sha.repeat(64), thumb: `data:image/jpeg;base64,${sha}`, width: 1600, height: 1200, sourceName: `${sha}.jpg` });
const [A, B, C] = [photo("a"), photo("b"), photo("c")];

let drop: ((d: FileDrop) => void) | null = null;

function order(): string[] {
  return screen.getAllByTestId("photo-tile").map((t) => (t.dataset.sha ?? "").slice(0, 1));
}

describe("PhotoManager", () => {
  beforeEach(() => {
    setLang("en");
    vi.mocked(listingPhotos).mockReset().mockResolvedValue({ status: "ok", data: [A, B, C] });
    vi.mocked(arrangePhotos).mockReset().mockResolvedValue({ status: "ok", data: {} as never });
    vi.mocked(importPhotos).mockReset();
    vi.mocked(onFileDrop)
      .mockReset()
      .mockImplementation(async (cb) => {
        drop = cb;
        return () => {};
      });
  });

  it("shows the photos in order, the first as the cover, and makes another the cover", async () => {
    const user = userEvent.setup();
    render(PhotoManager, { listingId: ID });
    await waitFor(() => expect(order()).toEqual(["a", "b", "c"]));
    expect(screen.getAllByTestId("cover-badge")).toHaveLength(1);
    expect(screen.getAllByTestId("photo-tile")[0].dataset.cover).toBe("true");
    await user.click(screen.getAllByTestId("photo-make-cover")[1]); // the third photo's
    expect(vi.mocked(arrangePhotos)).toHaveBeenCalledWith(ID, [C.sha256, A.sha256, B.sha256]);
    expect(order()).toEqual(["c", "a", "b"]);
  });

  it("moves a photo by keyboard, earlier being to the right in Arabic, and takes one off with Delete", async () => {
    render(PhotoManager, { listingId: ID });
    await waitFor(() => expect(order()).toEqual(["a", "b", "c"]));
    const tiles = screen.getAllByTestId("photo-tile");
    await fireEvent.keyDown(tiles[2], { key: "ArrowLeft", altKey: true });
    expect(vi.mocked(arrangePhotos).mock.calls[0][1]).toEqual([A.sha256, C.sha256, B.sha256]);
    await waitFor(() => expect(order()).toEqual(["a", "c", "b"]));

    setLang("ar");
    await fireEvent.keyDown(screen.getAllByTestId("photo-tile")[1], { key: "ArrowRight", altKey: true });
    expect(vi.mocked(arrangePhotos).mock.calls[1][1]).toEqual([C.sha256, A.sha256, B.sha256]);
    await waitFor(() => expect(order()).toEqual(["c", "a", "b"]));

    await fireEvent.keyDown(screen.getAllByTestId("photo-tile")[2], { key: "Delete" });
    expect(vi.mocked(arrangePhotos).mock.calls[2][1]).toEqual([C.sha256, A.sha256]);
    await waitFor(() => expect(order()).toEqual(["c", "a"]));
  });

  it("puts the order back and says why when the store refuses it", async () => {
    vi.mocked(arrangePhotos).mockResolvedValue({ status: "error", error: { kind: "validation", field: "photos", reason: "unknown" } });
    const user = userEvent.setup();
    render(PhotoManager, { listingId: ID });
    await waitFor(() => expect(order()).toEqual(["a", "b", "c"]));
    await user.click(screen.getAllByTestId("photo-remove")[0]);
    await waitFor(() => expect(screen.getByTestId("photo-arrange-error")).toBeTruthy());
    expect(order()).toEqual(["a", "b", "c"]);
  });

  it("imports photos dropped from the file manager into this listing", async () => {
    vi.mocked(importPhotos).mockResolvedValue({
      status: "ok",
      data: { imported: 2, failed: [], listing: {} as never },
    });
    render(PhotoManager, { listingId: ID });
    await waitFor(() => expect(drop).not.toBeNull());
    drop?.({ type: "over" });
    await waitFor(() => expect(screen.getByTestId("photo-drop")).toBeTruthy());
    drop?.({ type: "drop", paths: ["/home/coop/souk/tapis.jpg", "/home/coop/souk/tajine.png"] });
    await waitFor(() => expect(importPhotos).toHaveBeenCalledTimes(1));
    expect(vi.mocked(importPhotos).mock.calls[0].slice(0, 2)).toEqual([ID, ["/home/coop/souk/tapis.jpg", "/home/coop/souk/tajine.png"]]);
    expect(screen.queryByTestId("photo-drop")).toBeNull();
    // The grid reads the photos again once they are in.
    await waitFor(() => expect(listingPhotos).toHaveBeenCalledTimes(2));
  });

  it("says there are none yet, in French", async () => {
    setLang("fr");
    vi.mocked(listingPhotos).mockResolvedValue({ status: "ok", data: [] });
    render(PhotoManager, { listingId: ID });
    await waitFor(() => expect(screen.getByTestId("no-photos").textContent).toMatch(/^Pas encore de photos/));
  });
});
