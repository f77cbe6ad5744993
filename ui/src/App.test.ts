// @vitest-environment jsdom
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import App from "./App.svelte";
import { setLang } from "./i18n/locale.svelte";
import * as backend from "./lib/backend";
import type { ListingView, SyncStatusView } from "./lib/backend";

vi.mock("./lib/backend", () => ({
  listListings: vi.fn(),
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
}));

const status = (over: Partial<SyncStatusView> = {}): SyncStatusView => ({
  pending: 0,
  photosPending: 0,
  photoDownloadsPending: 0,
  connection: "offline",
  lastError: null,
  lastSyncedAtMs: null,
  cooperative: null,
  ...over,
});

const carpet: ListingView = {
  photoCount: 0,
  moderation: null,
  id: "1",
  title: "Tapis",
  titleLang: "fr",
  priceCentimes: 450000,
  updatedAtMs: 1,
  sync: { state: "waiting" },
};

const strip = (s: string | null) => (s ?? "").replace(/[\u2068\u2069]/g, "");

describe("App", () => {
  let emitStatus: (s: SyncStatusView) => void;
  let emitListings: () => void;

  beforeEach(() => {
    vi.resetAllMocks();
    setLang("en");
    vi.mocked(backend.listListings).mockResolvedValue({ status: "ok", data: [] });
    vi.mocked(backend.syncStatus).mockResolvedValue({ status: "ok", data: status() });
    vi.mocked(backend.syncNow).mockResolvedValue({ status: "ok", data: null });
    vi.mocked(backend.startupNotice).mockResolvedValue({ status: "ok", data: null });
    vi.mocked(backend.autostart).mockResolvedValue({ status: "ok", data: false });
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

  it("loads the status and the list on mount", async () => {
    vi.mocked(backend.syncStatus).mockResolvedValue({
      status: "ok",
      data: status({ pending: 3, cooperative: "Tifawin" }),
    });
    render(App);

    const bar = screen.getByTestId("sync-status");
    await waitFor(() => expect(bar.dataset.pending).toBe("3"));
    expect(bar.dataset.connection).toBe("offline");
    expect(bar.getAttribute("role")).toBe("status");
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

  it("follows the backend's events", async () => {
    render(App);
    await waitFor(() => expect(backend.listListings).toHaveBeenCalledTimes(1));

    vi.mocked(backend.listListings).mockResolvedValue({ status: "ok", data: [carpet] });
    emitListings();
    expect(await screen.findByTestId("listing")).toBeTruthy();

    vi.mocked(backend.listListings).mockResolvedValue({
      status: "ok",
      data: [{ ...carpet, sync: { state: "live" } }],
    });
    emitStatus(status({ connection: "online", pending: 0, lastSyncedAtMs: Date.now() }));
    const bar = screen.getByTestId("sync-status");
    await waitFor(() => expect(bar.dataset.connection).toBe("online"));
    expect(bar.dataset.pending).toBe("0");
    await waitFor(() => expect(screen.getByTestId("listing").dataset.sync).toBe("live"));
  });

  it("refreshes the list right after a save", async () => {
    vi.mocked(backend.createListing).mockResolvedValue({ status: "ok", data: carpet });
    const user = userEvent.setup();
    render(App);
    await waitFor(() => expect(backend.listListings).toHaveBeenCalledTimes(1));

    vi.mocked(backend.listListings).mockResolvedValue({ status: "ok", data: [carpet] });
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
    expect(screen.getByTestId("save-button").textContent?.trim()).toBe("Enregistrer");
  });
});
