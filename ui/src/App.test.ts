// @vitest-environment jsdom
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import App from "./App.svelte";
import { setLang } from "./i18n/locale.svelte";
import * as backend from "./lib/backend";
import type { ListingView, SyncStatusView } from "./lib/backend";
import { syncStatus as status } from "./test/syncStatus";

vi.mock("./lib/backend", () => ({
  listListings: vi.fn(),
  listingsById: vi.fn(),
  listingDetails: vi.fn(),
  lostEdits: vi.fn(async () => ({ status: "ok", data: null })),
  settleLostEdit: vi.fn(),
  artisanNames: vi.fn(),
  updateListing: vi.fn(),
  removalPreview: vi.fn(),
  removeListing: vi.fn(),
  pickPhotos: vi.fn(),
  importPhotos: vi.fn(),
  cancelPhotoImport: vi.fn(),
  createListing: vi.fn(),
  syncStatus: vi.fn(),
  syncNow: vi.fn(),
  startupNotice: vi.fn(),
  onSyncStatusChanged: vi.fn(),
  onListingsChanged: vi.fn(),
  connection: vi.fn(),
  connect: vi.fn(),
  autostart: vi.fn(),
  setAutostart: vi.fn(),
  syncSettings: vi.fn(),
  setSyncSettings: vi.fn(),
  setTrayLanguage: vi.fn(),
  firstPaint: vi.fn(),
  salesJournal: vi.fn(async () => ({
    status: "ok",
    data: { sales: [], lines: [], count: 0, units: 0, totalCentimes: 0 },
  })),
  undoLastSale: vi.fn(),
  exportSales: vi.fn(),
  printPreview: vi.fn(),
  savePrint: vi.fn(),
  openPrint: vi.fn(),
  listingPhotos: vi.fn(async () => ({ status: "ok", data: [] })),
  arrangePhotos: vi.fn(),
  onFileDrop: vi.fn(async () => () => {}),
  pickCsv: vi.fn(),
  pickBackup: vi.fn(),
  planCsvImport: vi.fn(),
  applyCsvImport: vi.fn(),
  exportCatalogCsv: vi.fn(),
  backupCatalog: vi.fn(),
  restoreCatalog: vi.fn(),
  recordSale: vi.fn(),
  addStock: vi.fn(),
  exportBundle: vi.fn(),
  importBundle: vi.fn(),
  startShare: vi.fn(),
  stopShare: vi.fn(),
  findLaptops: vi.fn(),
  exchangeWith: vi.fn(),
  onStandEvent: vi.fn(async () => () => {}),
}));


const page = (listings: ListingView[], more = false) => ({ status: "ok" as const, data: { listings, more } });

const carpet: ListingView = {
  photoCount: 0,
  stock: 3,
  ledger: null,
  moderation: null,
  id: "1",
  title: "Tapis",
  titleLang: "fr",
  priceCentimes: 450000,
  updatedAtMs: 1,
  status: "ready",
  sync: { state: "waiting" },
};

const strip = (s: string | null) => (s ?? "").replace(/[\u2068\u2069]/g, "");

describe("App", () => {
  let emitStatus: (s: SyncStatusView) => void;
  let emitListings: () => void;

  beforeEach(() => {
    vi.resetAllMocks();
    setLang("en");
    vi.mocked(backend.listListings).mockResolvedValue(page([]));
    vi.mocked(backend.listingsById).mockResolvedValue({ status: "ok", data: [] });
    vi.mocked(backend.artisanNames).mockResolvedValue({ status: "ok", data: [] });
    vi.mocked(backend.syncStatus).mockResolvedValue({ status: "ok", data: status() });
    vi.mocked(backend.syncNow).mockResolvedValue({ status: "ok", data: null });
    vi.mocked(backend.setTrayLanguage).mockResolvedValue({ status: "ok", data: null });
    vi.mocked(backend.startupNotice).mockResolvedValue({ status: "ok", data: null });
    vi.mocked(backend.autostart).mockResolvedValue({ status: "ok", data: false });
    vi.mocked(backend.syncSettings).mockResolvedValue({
      status: "ok",
      data: { paused: false, metered: null, dailyBudgetMb: null, usedTodayBytes: 0 },
    });
    vi.mocked(backend.connection).mockResolvedValue({
      status: "ok",
      data: { marketUrl: null, enrolled: false, cooperative: null, codeWaiting: false },
    });
    vi.mocked(backend.onSyncStatusChanged).mockImplementation(async (cb) => {
      emitStatus = cb;
      return () => {};
    });
    vi.mocked(backend.onListingsChanged).mockImplementation(async (cb) => {
      emitListings = cb;
      return () => {};
    });
  });

  it("says how many photos wait, in Arabic's plural forms", async () => {
    setLang("ar");
    vi.mocked(backend.syncStatus).mockResolvedValue({ status: "ok", data: status({ photosPending: 11 }) });
    render(App);
    const photos = await screen.findByTestId("photos-pending");
    expect(photos.dataset.count).toBe("11");
    expect(photos.textContent).toContain("صورة في انتظار الإرسال");
  });

  it("says how many photos from other laptops are still to download", async () => {
    setLang("ar");
    vi.mocked(backend.syncStatus).mockResolvedValue({ status: "ok", data: status({ photoDownloadsPending: 2 }) });
    render(App);
    const downloads = await screen.findByTestId("photo-downloads");
    expect(downloads.dataset.count).toBe("2");
    expect(downloads.textContent).toContain("صورتان من حواسيب أخرى للتنزيل");
  });

  it("tells the app once, after the first page of the list is on screen", async () => {
    const rowsAtCall: number[] = [];
    vi.mocked(backend.firstPaint).mockImplementation(async () => {
      rowsAtCall.push(document.querySelectorAll("[data-testid=listing]").length);
      return { status: "ok", data: null };
    });
    vi.mocked(backend.listListings).mockResolvedValue(page([carpet]));
    render(App);

    await waitFor(() => expect(backend.firstPaint).toHaveBeenCalledTimes(1));
    expect(rowsAtCall).toEqual([1]);

    // Later reads of the list (a pull, a save) do not report again.
    vi.mocked(backend.listListings).mockResolvedValue(page([carpet, { ...carpet, id: "2" }]));
    emitListings();
    await waitFor(() => expect(screen.getAllByTestId("listing")).toHaveLength(2));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(backend.firstPaint).toHaveBeenCalledTimes(1);
  });

  it("loads the status and the list on mount", async () => {
    vi.mocked(backend.syncStatus).mockResolvedValue({
      status: "ok",
      data: status({ pending: 3, cooperative: "Tifawin" }),
    });
    render(App);

    const bar = screen.getByTestId("sync-status");
    await waitFor(() => expect(bar.dataset.pending).toBe("3"));
    expect(bar.dataset.connection).toBe("offline");
    expect(bar.textContent).toContain("3 listings waiting to sync");
    expect(screen.queryByTestId("photos-pending")).toBeNull();
    expect(screen.queryByTestId("photo-downloads")).toBeNull();
    expect(bar.textContent).toContain("No connection — your work is saved and will be sent later");
    expect(strip(document.querySelector("header")!.textContent)).toContain("Cooperative: Tifawin");
    expect(await screen.findByText("No listings yet — add your first product above")).toBeTruthy();
  });

  it("says so when the catalog was restored from a backup at start-up", async () => {
    vi.mocked(backend.startupNotice).mockResolvedValue({
      status: "ok",
      data: { restoredFrom: "/data/backups/001-catalog-daily.db", damagedCopy: "/data/catalog.damaged-17.db" },
    });
    render(App);
    const notice = await screen.findByTestId("recovery-notice");
    expect(notice.getAttribute("role")).toBe("alert");
    expect(notice.textContent).toContain("restored your latest backup");
    expect(notice.textContent).toContain("/data/catalog.damaged-17.db");
  });

  it("shows no recovery notice on a normal start", async () => {
    render(App);
    await waitFor(() => expect(backend.startupNotice).toHaveBeenCalled());
    expect(screen.queryByTestId("recovery-notice")).toBeNull();
  });

  it("follows the backend's events, re-reading only the rows not yet live on a sync pass", async () => {
    const pot: ListingView = { ...carpet, id: "2", title: "Pot", sync: { state: "live" } };
    render(App);
    await waitFor(() => expect(backend.listListings).toHaveBeenCalledTimes(1));
    expect(backend.listListings).toHaveBeenLastCalledWith({ text: "", status: null, sync: null, offset: 0, limit: 50 });

    vi.mocked(backend.listListings).mockResolvedValue(page([carpet, pot]));
    emitListings();
    await waitFor(() => expect(screen.getAllByTestId("listing")).toHaveLength(2));
    expect(backend.listListings).toHaveBeenCalledTimes(2);

    vi.mocked(backend.listingsById).mockResolvedValue({ status: "ok", data: [{ ...carpet, sync: { state: "live" } }] });
    emitStatus(status({ connection: "online", pending: 0, lastSyncedAtMs: Date.now() }));
    const bar = screen.getByTestId("sync-status");
    await waitFor(() => expect(bar.dataset.connection).toBe("online"));
    expect(bar.dataset.pending).toBe("0");
    await waitFor(() => expect(screen.getAllByTestId("listing")[0].dataset.sync).toBe("live"));
    expect(backend.listingsById).toHaveBeenCalledExactlyOnceWith(["1"]);
    // No whole-list reload on a sync event.
    expect(backend.listListings).toHaveBeenCalledTimes(2);

    // Every row live: a sync pass reads nothing.
    emitStatus(status({ connection: "syncing" }));
    emitStatus(status({ connection: "online" }));
    await waitFor(() => expect(bar.dataset.connection).toBe("online"));
    expect(backend.listingsById).toHaveBeenCalledTimes(1);
    expect(backend.listListings).toHaveBeenCalledTimes(2);
  });

  it("pages the list: Show more asks for the next page only", async () => {
    const rows = Array.from({ length: 50 }, (_, i): ListingView => ({ ...carpet, id: `r${i}`, title: `Tapis ${i}` }));
    vi.mocked(backend.listListings).mockResolvedValue(page(rows, true));
    const user = userEvent.setup();
    render(App);
    await waitFor(() => expect(screen.getAllByTestId("listing")).toHaveLength(50));

    vi.mocked(backend.listListings).mockResolvedValue(page([{ ...carpet, id: "r50", title: "Tapis 50" }], false));
    await user.click(screen.getByTestId("show-more"));
    await waitFor(() => expect(screen.getAllByTestId("listing")).toHaveLength(51));
    expect(backend.listListings).toHaveBeenLastCalledWith({ text: "", status: null, sync: null, offset: 50, limit: 50 });
    expect(screen.queryByTestId("show-more")).toBeNull();

    // A filter starts again from the first page.
    await user.selectOptions(screen.getByTestId("status-filter"), "draft");
    expect(backend.listListings).toHaveBeenLastCalledWith({ text: "", status: "draft", sync: null, offset: 0, limit: 50 });
  });

  it("keeps the status bar quiet for screen readers, announcing only errors", async () => {
    render(App);
    const bar = screen.getByTestId("sync-status");
    await waitFor(() => expect(bar.dataset.connection).toBe("offline"));
    emitStatus(status({ connection: "syncing" }));
    await waitFor(() => expect(bar.dataset.connection).toBe("syncing"));
    expect(bar.textContent).toContain("Syncing…");
    expect(bar.closest("[aria-live],[role=status],[role=alert]")).toBeNull();
    const announce = screen.getByTestId("sync-announce");
    expect(announce.getAttribute("role")).toBe("status");
    expect(announce.textContent).toBe("");

    emitStatus(status({ connection: "offline", lastError: "network" }));
    await waitFor(() => expect(strip(announce.textContent)).toContain("the marketplace cannot be reached"));
    emitStatus(status({ connection: "offline", lastError: "solar_flare" }));
    await waitFor(() => expect(strip(announce.textContent)).toContain("an unexpected problem"));
    expect(document.body.textContent).not.toContain("solar_flare");
  });

  it("says sync is paused as a state, not as an error", async () => {
    render(App);
    const bar = screen.getByTestId("sync-status");
    await waitFor(() => expect(bar.dataset.connection).toBe("offline"));
    emitStatus(status({ connection: "offline", lastError: "paused" }));
    expect((await screen.findByTestId("sync-paused")).textContent).toBe(
      "Sync is paused — nothing goes out or comes in until you resume it",
    );
    expect(screen.queryByTestId("sync-error")).toBeNull();
    expect(screen.getByTestId("sync-announce").textContent).toBe(
      "Sync is paused — nothing goes out or comes in until you resume it",
    );
  });

  it("says when the computer's date is wrong", async () => {
    setLang("fr");
    vi.mocked(backend.syncStatus).mockResolvedValue({ status: "ok", data: status({ clockWrong: true, connection: "online" }) });
    render(App);
    expect((await screen.findByTestId("clock-wrong")).textContent).toContain("La date ou l’heure de cet ordinateur est fausse");
  });

  it("moves with the keyboard: Ctrl+F searches, Ctrl+N asks before leaving unsaved edits, focus returns to the row", async () => {
    vi.mocked(backend.listListings).mockResolvedValue(page([carpet]));
    vi.mocked(backend.listingDetails).mockResolvedValue({
      status: "ok",
      data: {
        titleAr: "", titleFr: "Tapis", titleEn: "", descriptionAr: "", descriptionFr: "", descriptionEn: "",
        category: "carpets", price: "4500", stock: "1", unit: "piece", dimensions: "", weightGrams: "",
        materials: "", origin: "", region: "", tags: "", status: "ready", artisan: "",
      },
    });
    const user = userEvent.setup();
    render(App);

    await user.keyboard("{Control>}f{/Control}");
    expect(document.activeElement).toBe(screen.getByTestId("search-input"));

    const edit = await screen.findByTestId("edit-listing");
    await user.click(edit);
    const title = await screen.findByTestId("edit-title-ar-input");
    await waitFor(() => expect(document.activeElement).toBe(title));
    await user.keyboard("{Escape}");
    await waitFor(() => expect(screen.queryByTestId("editor")).toBeNull());
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId("edit-listing")));

    await user.click(screen.getByTestId("edit-listing"));
    await user.type(await screen.findByTestId("edit-origin-input"), "Azilal");
    await user.keyboard("{Control>}n{/Control}");
    expect(await screen.findByTestId("discard")).toBeTruthy();
    await user.click(screen.getByTestId("discard-yes"));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId("title-input")));
  });

  it("refreshes the list right after a save", async () => {
    vi.mocked(backend.createListing).mockResolvedValue({ status: "ok", data: carpet });
    const user = userEvent.setup();
    render(App);
    await waitFor(() => expect(backend.listListings).toHaveBeenCalledTimes(1));

    vi.mocked(backend.listListings).mockResolvedValue(page([carpet]));
    await user.type(screen.getByTestId("title-input"), "Tapis");
    await user.type(screen.getByTestId("price-input"), "4500{Enter}");

    expect(await screen.findByTestId("listing")).toBeTruthy();
  });

  it("asks for a sync with Sync now", async () => {
    const user = userEvent.setup();
    render(App);
    await user.click(screen.getByTestId("sync-now"));
    expect(backend.syncNow).toHaveBeenCalledOnce();
  });

  it("switches language and direction", async () => {
    const user = userEvent.setup();
    render(App);
    await user.click(screen.getByTestId("lang-ar"));
    expect(document.documentElement.dir).toBe("rtl");
    expect(document.documentElement.lang).toBe("ar");
    expect(localStorage.getItem("hanout.lang")).toBe("ar");
    expect(screen.getByTestId("save-button").textContent?.trim()).toBe("حفظ");
    expect(screen.getByTestId("lang-ar").getAttribute("aria-pressed")).toBe("true");

    await user.click(screen.getByTestId("lang-fr"));
    expect(document.documentElement.dir).toBe("ltr");
    // The tray menu follows.
    await waitFor(() => expect(backend.setTrayLanguage).toHaveBeenLastCalledWith("fr"));
    expect(backend.setTrayLanguage).toHaveBeenCalledWith("ar");
    expect(screen.getByTestId("save-button").textContent?.trim()).toBe("Enregistrer");
  });
});
