// @vitest-environment jsdom
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { setLang } from "../i18n/locale.svelte";
import {
  exchangeWith,
  exportBundle,
  findLaptops,
  importBundle,
  onStandEvent,
  startShare,
  stopShare,
  type StandEvent,
} from "../lib/backend";
import StandSync from "./StandSync.svelte";

vi.mock("../lib/backend", () => ({
  exportBundle: vi.fn(),
  importBundle: vi.fn(),
  startShare: vi.fn(),
  stopShare: vi.fn(),
  findLaptops: vi.fn(),
  exchangeWith: vi.fn(),
  onStandEvent: vi.fn(),
}));

// The invisible isolates around names and counts go; non-breaking spaces read as spaces.
const strip = (s: string | null) =>
  (s ?? "")
    .replace(/[\u2068\u2069\u200f]/g, "")
    .replace(/[\u00a0\u202f]/g, " ")
    .replace(/\s+/g, " ")
    .trim();

const taken = { from: "Coopérative Atlas · 3f9a2c", newListings: 3, updatedListings: 0, changes: 5, sales: 2, photos: 0 };
const made = { listings: 4, changes: 6, sales: 1, photos: 7, bytes: 2_345_678 };

describe("StandSync", () => {
  let emit: (event: StandEvent) => void = () => {};

  beforeEach(() => {
    setLang("en");
    for (const f of [exportBundle, importBundle, startShare, stopShare, findLaptops, exchangeWith, onStandEvent]) vi.mocked(f).mockReset();
    vi.mocked(onStandEvent).mockImplementation(async (cb) => {
      emit = cb;
      return () => {};
    });
  });

  it("shares this laptop: its addresses, QR and code, a line per event, and stops", async () => {
    vi.mocked(startShare).mockResolvedValue({
      status: "ok",
      data: { addresses: ["192.168.1.20:47470", "127.0.0.1:47470"], code: "123456", qrSvg: "<svg></svg>", announced: false },
    });
    vi.mocked(stopShare).mockResolvedValue({ status: "ok", data: null });
    const onchanged = vi.fn();
    const user = userEvent.setup();
    render(StandSync, { onchanged });
    await user.click(screen.getByTestId("share-start"));
    await waitFor(() => expect(screen.getByTestId("share-code").textContent).toBe("123 456"));
    expect(screen.getAllByTestId("share-address").map((a) => a.textContent)).toEqual(["192.168.1.20:47470", "127.0.0.1:47470"]);
    expect(screen.getByTestId("share-qr").getAttribute("src")).toMatch(/^data:image\/svg\+xml/);
    expect(screen.getByTestId("share-announced").textContent?.trim()).toMatch(/^Not announced/);

    emit({ kind: "exchanged", exchange: { with: "Coopérative Atlas · 3f9a2c", taken, sent: made } });
    emit({ kind: "wrong_code", triesLeft: 4 });
    emit({ kind: "code_changed", code: "654321" });
    await waitFor(() => expect(screen.getAllByTestId("share-event")).toHaveLength(3));
    const lines = screen.getAllByTestId("share-event").map((l) => strip(l.textContent));
    expect(lines).toEqual([
      "Synced with Coopérative Atlas · 3f9a2c: 3 new listings, 5 changes, 2 sales",
      "A wrong code was typed on the other laptop — 4 tries left",
      "Too many wrong codes — the new code is 654 321",
    ]);
    // The new code is the one shown.
    expect(screen.getByTestId("share-code").textContent).toBe("654 321");
    expect(onchanged).toHaveBeenCalledTimes(1);

    await user.click(screen.getByTestId("share-stop"));
    await waitFor(() => expect(screen.getByTestId("share-start")).toBeTruthy());
    expect(stopShare).toHaveBeenCalled();
  });

  it("says the event lines in Arabic with its plural forms", async () => {
    setLang("ar");
    vi.mocked(startShare).mockResolvedValue({
      status: "ok",
      data: { addresses: ["127.0.0.1:47470"], code: "000111", qrSvg: null, announced: true },
    });
    const user = userEvent.setup();
    render(StandSync, {});
    await user.click(screen.getByTestId("share-start"));
    await waitFor(() => expect(screen.getByTestId("share-code")).toBeTruthy());
    emit({ kind: "exchanged", exchange: { with: "حاسوب ب", taken: { ...taken, newListings: 2, changes: 11, sales: 0 }, sent: made } });
    emit({ kind: "wrong_code", triesLeft: 3 });
    emit({ kind: "failed" });
    await waitFor(() => expect(screen.getAllByTestId("share-event")).toHaveLength(3));
    const lines = screen.getAllByTestId("share-event").map((l) => strip(l.textContent));
    expect(lines[0]).toBe("تمت المزامنة مع حاسوب ب: إعلانان جديدان، 11 تغييرًا");
    expect(lines[1]).toBe("كُتب رمز خاطئ على الحاسوب الآخر — بقيت 3 محاولات");
    expect(lines[2]).toMatch(/^فشلت مزامنة/);
  });

  it("says why sharing did not start", async () => {
    setLang("fr");
    vi.mocked(startShare).mockResolvedValue({ status: "error", error: { kind: "peer", cause: "not_connected" } });
    const user = userEvent.setup();
    render(StandSync, {});
    await user.click(screen.getByTestId("share-start"));
    await waitFor(() => expect(screen.getByTestId("share-error").textContent).toMatch(/^Connectez d'abord cet ordinateur/));
  });

  it("finds laptops, fills the address from one, and syncs with the typed code", async () => {
    vi.mocked(findLaptops).mockResolvedValue({
      status: "ok",
      data: [{ name: "Coopérative Atlas · 3f9a2c", key: "k1", addresses: ["192.168.1.20:47470", "10.0.0.2:47470"] }],
    });
    vi.mocked(exchangeWith).mockResolvedValue({
      status: "ok",
      data: { with: "Coopérative Atlas · 3f9a2c", taken: { ...taken, newListings: 1, changes: 1, sales: 0 }, sent: { ...made, listings: 2 } },
    });
    const onchanged = vi.fn();
    const user = userEvent.setup();
    render(StandSync, { onchanged });
    const sync = screen.getByTestId("peer-sync") as HTMLButtonElement;
    expect(sync.disabled).toBe(true);
    await user.click(screen.getByTestId("find-laptops"));
    await user.click(await screen.findByTestId("found-laptop"));
    expect((screen.getByTestId("peer-address-input") as HTMLInputElement).value).toBe("192.168.1.20:47470");
    await user.type(screen.getByTestId("peer-code-input"), "123 456");
    await user.click(sync);
    await waitFor(() => expect(screen.getByTestId("peer-synced")).toBeTruthy());
    expect(exchangeWith).toHaveBeenCalledWith("192.168.1.20:47470", "123 456");
    expect(strip(screen.getByTestId("peer-synced").textContent)).toBe(
      "Synced with Coopérative Atlas · 3f9a2c: 1 new listing, 1 change, 2 listings sent",
    );
    expect(onchanged).toHaveBeenCalled();
  });

  it("says when no laptop is found, and a wrong code in the user's language", async () => {
    setLang("fr");
    vi.mocked(findLaptops).mockResolvedValue({ status: "ok", data: [] });
    vi.mocked(exchangeWith).mockResolvedValue({ status: "error", error: { kind: "peer", cause: "wrong_code" } });
    const user = userEvent.setup();
    render(StandSync, {});
    await user.click(screen.getByTestId("find-laptops"));
    await waitFor(() => expect(screen.getByTestId("found-none").textContent).toMatch(/^Aucun ordinateur/));
    await user.type(screen.getByTestId("peer-address-input"), "192.168.1.20");
    await user.type(screen.getByTestId("peer-code-input"), "000000");
    await user.click(screen.getByTestId("peer-sync"));
    await waitFor(() => expect(screen.getByTestId("peer-error").textContent).toMatch(/^Ce n'est pas le code affiché/));
  });

  it("exports a bundle with or without photos, and imports one; a cancelled dialog says nothing", async () => {
    vi.mocked(exportBundle).mockResolvedValueOnce({ status: "ok", data: null }).mockResolvedValueOnce({ status: "ok", data: made });
    vi.mocked(importBundle).mockResolvedValueOnce({ status: "ok", data: taken }).mockResolvedValueOnce({
      status: "ok",
      data: { ...taken, newListings: 0, changes: 0, sales: 0 },
    });
    const onchanged = vi.fn();
    const user = userEvent.setup();
    render(StandSync, { onchanged });
    expect((screen.getByTestId("bundle-photos") as HTMLInputElement).checked).toBe(true);
    await user.click(screen.getByTestId("bundle-export"));
    await waitFor(() => expect(exportBundle).toHaveBeenCalledTimes(1));
    expect(vi.mocked(exportBundle).mock.calls[0][0]).toMatch(/^hanout-\d{4}-\d{2}-\d{2}\.hanout$/);
    expect(vi.mocked(exportBundle).mock.calls[0][2]).toBe(true);
    expect(screen.queryByTestId("bundle-exported")).toBeNull();
    await user.click(screen.getByTestId("bundle-photos"));
    await user.click(screen.getByTestId("bundle-export"));
    await waitFor(() =>
      expect(strip(screen.getByTestId("bundle-exported").textContent)).toBe(
        "Bundle written: 4 listings, 6 changes, 1 sale, 7 photos (2.3 MB)",
      ),
    );
    expect(vi.mocked(exportBundle).mock.calls[1][2]).toBe(false);

    await user.click(screen.getByTestId("bundle-import"));
    await waitFor(() =>
      expect(strip(screen.getByTestId("bundle-imported").textContent)).toBe(
        "Bundle from Coopérative Atlas · 3f9a2c taken in: 3 new listings, 5 changes, 2 sales",
      ),
    );
    expect(onchanged).toHaveBeenCalledTimes(1);
    // The same bundle again: nothing new.
    await user.click(screen.getByTestId("bundle-import"));
    await waitFor(() => expect(screen.getByTestId("bundle-imported").dataset.changes).toBe("0"));
    expect(strip(screen.getByTestId("bundle-imported").textContent)).toBe("Bundle from Coopérative Atlas · 3f9a2c taken in: nothing new");
  });

  it("says a file that is not a bundle, in Arabic", async () => {
    setLang("ar");
    vi.mocked(importBundle).mockResolvedValue({ status: "error", error: { kind: "peer", cause: "not_a_bundle" } });
    const user = userEvent.setup();
    render(StandSync, {});
    await user.click(screen.getByTestId("bundle-import"));
    await waitFor(() => expect(screen.getByTestId("bundle-error").textContent).toMatch(/^هذا الملف ليس حزمة حانوت/));
  });
});
