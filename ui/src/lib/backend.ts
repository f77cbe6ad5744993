// The one place that talks to the Rust core. Every other module imports from
// here, never from ../bindings, so when the generated names change only this
// file changes.
//
// Typed errors arrive as `Result` values. A rejected promise means the IPC
// itself failed (no Tauri runtime, unknown command, bad payload); that becomes
// the `ipc` error kind so callers handle one shape.

import { Channel } from "@tauri-apps/api/core";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import { open, save } from "@tauri-apps/plugin-dialog";
import {
  commands,
  events,
  type AppError,
  type ConnectInput,
  type Connection,
  type ConnectionView_Serialize as ConnectionView,
  type ErrorField,
  type ListingDetails,
  type ListingPage_Serialize as ListingPage,
  type ListingQuery_Deserialize as ListingQuery,
  type ListingStatus,
  type LostEdits,
  type ListingView_Serialize as ListingView,
  type NewListingInput,
  type PhotoImportReport_Serialize as PhotoImportReport,
  type PhotoProgress,
  type RecoveryNotice,
  type RemovalView,
  type SyncFilter,
  type SyncSettingsInput_Deserialize as SyncSettingsInput,
  type SyncSettingsView_Serialize as SyncSettingsView,
  type SyncStatusView_Serialize as SyncStatusView,
  type SyncView,
  type SaleView_Serialize as SaleView,
  type JournalView_Serialize as JournalView,
  type UpdateView_Serialize as UpdateView,
  type ModerationView_Serialize as ModerationView,
  type PrintJob_Deserialize as PrintJob,
  type PrintPreview,
  type PhotoView_Serialize as PhotoView,
  type ImportPlanView,
  type RestoreView,
  type LabelLayout,
  type CatalogueEdition,
  type BundleMadeView,
  type BundleTakenView,
  type ExchangedView,
  type FoundView,
  type ShareView_Serialize as ShareView,
  type StandEvent,
} from "../bindings";

export type {
  AppError,
  BundleMadeView,
  BundleTakenView,
  ExchangedView,
  FoundView,
  ShareView,
  StandEvent,
  ImportPlanView,
  RestoreView,
  PhotoView,
  PrintJob,
  PrintPreview,
  LabelLayout,
  CatalogueEdition,
  ConnectInput,
  Connection,
  ConnectionView,
  ErrorField,
  ListingDetails,
  ListingPage,
  ListingQuery,
  ListingStatus,
  ListingView,
  LostEdits,
  NewListingInput,
  PhotoImportReport,
  PhotoProgress,
  RecoveryNotice,
  RemovalView,
  SyncFilter,
  SyncSettingsInput,
  SyncSettingsView,
  SyncStatusView,
  SyncView,
  SaleView,
  JournalView,
  UpdateView,
  ModerationView,
};

export type IpcError = { kind: "ipc"; message: string };
export type BackendError = AppError | IpcError;
export type Outcome<T> = { status: "ok"; data: T } | { status: "error"; error: BackendError };
export type Unlisten = () => void;

function ipcError(e: unknown): { status: "error"; error: IpcError } {
  const message = e instanceof Error ? e.message : String(e);
  // Shown translated, without this detail; the console keeps it for support.
  console.error("Hanout: IPC failed", e);
  return { status: "error", error: { kind: "ipc", message } };
}

async function guard<T>(call: () => Promise<Outcome<T>>): Promise<Outcome<T>> {
  try {
    return await call();
  } catch (e) {
    return ipcError(e);
  }
}

/** One page of the list; empty words mean every listing. */
export function listListings(query: ListingQuery): Promise<Outcome<ListingPage>> {
  const text = query.text?.trim() ? query.text : null;
  return guard(() => commands.listListings({ ...query, text }));
}

/** These rows as they are now; removed ones are left out. */
export function listingsById(ids: string[]): Promise<Outcome<ListingView[]>> {
  return guard(() => commands.listingsById(ids));
}

/** What removing this listing would do: delete it for good, or archive it. */
export function removalPreview(id: string): Promise<Outcome<RemovalView>> {
  return guard(() => commands.removalPreview(id));
}

export function removeListing(id: string): Promise<Outcome<RemovalView>> {
  return guard(() => commands.removeListing(id));
}

export function createListing(input: NewListingInput): Promise<Outcome<ListingView>> {
  return guard(() => commands.createListing(input));
}

export function listingDetails(id: string): Promise<Outcome<ListingDetails>> {
  return guard(() => commands.listingDetails(id));
}

/** Saves what changed between `loaded` (what the editor showed) and `typed`. */
export function updateListing(id: string, loaded: ListingDetails, typed: ListingDetails): Promise<Outcome<ListingView>> {
  return guard(() => commands.updateListing(id, loaded, typed));
}

/** Fields where this laptop's edit lost to another laptop's later one; `null`: none. */
export function lostEdits(id: string): Promise<Outcome<LostEdits | null>> {
  return guard(() => commands.lostEdits(id));
}

/** Takes this laptop's value of `field` back (`takeBack`) or keeps the other laptop's. */
export function settleLostEdit(id: string, field: ErrorField, takeBack: boolean): Promise<Outcome<null>> {
  return guard(() => commands.settleLostEdit(id, field, takeBack));
}

export function artisanNames(): Promise<Outcome<string[]>> {
  return guard(() => commands.artisanNames());
}

export function syncStatus(): Promise<Outcome<SyncStatusView>> {
  return guard(() => commands.syncStatus());
}

export function startupNotice(): Promise<Outcome<RecoveryNotice | null>> {
  return guard(() => commands.startupNotice());
}

export function connection(): Promise<Outcome<ConnectionView>> {
  return guard(() => commands.connection());
}

export function connect(input: ConnectInput): Promise<Outcome<ConnectionView>> {
  return guard(() => commands.connect(input));
}

export function autostart(): Promise<Outcome<boolean>> {
  return guard(() => commands.autostart());
}

export function setAutostart(enabled: boolean): Promise<Outcome<boolean>> {
  return guard(() => commands.setAutostart(enabled));
}

/** Pause, metered link, daily data limit, and what sync used today. */
export function syncSettings(): Promise<Outcome<SyncSettingsView>> {
  return guard(() => commands.syncSettings());
}

export function setSyncSettings(input: SyncSettingsInput): Promise<Outcome<SyncSettingsView>> {
  return guard(() => commands.setSyncSettings(input));
}

/** Names the tray menu's items in the window's language. */
export function setTrayLanguage(lang: "ar" | "fr" | "en"): Promise<Outcome<null>> {
  return guard(() => commands.setTrayLanguage(lang));
}

export function syncNow(): Promise<Outcome<null>> {
  return guard(() => commands.syncNow());
}

/** The listing's public page on the marketplace, in the browser. */
export function openPublicPage(id: string, lang: "ar" | "fr" | "en"): Promise<Outcome<null>> {
  return guard(() => commands.openPublicPage(id, lang));
}

/** The folder of the log files, in the file manager. */
export function openLogFolder(): Promise<Outcome<null>> {
  return guard(() => commands.openLogFolder());
}

/** Installs the downloaded, verified update and restarts into it. */
export function installUpdate(): Promise<Outcome<null>> {
  return guard(() => commands.installUpdate());
}

/** The update downloads even on a metered connection. */
export function downloadUpdateNow(): Promise<Outcome<null>> {
  return guard(() => commands.downloadUpdateNow());
}

/** Display-size photos go even on a metered connection, until all are sent. */
export function sendPhotosNow(): Promise<Outcome<null>> {
  return guard(() => commands.sendPhotosNow());
}

async function listenSafely(listen: () => Promise<Unlisten>): Promise<Unlisten> {
  try {
    return await listen();
  } catch (e) {
    // Outside Tauri (plain `npm run dev` in a browser) there is no event bus.
    console.warn("Hanout: cannot listen to backend events", e);
    return () => {};
  }
}

export function onSyncStatusChanged(cb: (status: SyncStatusView) => void): Promise<Unlisten> {
  return listenSafely(() => events.syncStatusChanged.listen((e) => cb(e.payload)));
}

export function onListingsChanged(cb: () => void): Promise<Unlisten> {
  return listenSafely(() => events.listingsChanged.listen(() => cb()));
}

/** Records a sale: `price` as typed (empty: the listing's price). */
export function recordSale(id: string, quantity: number, price: string, note: string): Promise<Outcome<SaleView>> {
  return guard(() => commands.recordSale(id, quantity, price.trim() || null, note.trim() || null));
}

/** Units delivered; the stock after. */
export function addStock(id: string, quantity: number): Promise<Outcome<number>> {
  return guard(() => commands.addStock(id, quantity));
}

/** The last sale not undone yet goes back to the stock (`null`: none). */
export function undoLastSale(): Promise<Outcome<SaleView | null>> {
  return guard(() => commands.undoLastSale());
}

/** The journal of `[fromMs, toMs)`. */
export function salesJournal(fromMs: number, toMs: number): Promise<Outcome<JournalView>> {
  return guard(() => commands.salesJournal(fromMs, toMs));
}

/** Writes the period's sales as CSV where the user chooses; `null` data if cancelled. */
export async function exportSales(fromMs: number, toMs: number, defaultName: string, title: string): Promise<Outcome<number | null>> {
  const path = await pickDestination(title, defaultName, "CSV", ["csv"]);
  if (path === null) return { status: "ok", data: null };
  return guard(() => commands.exportSales(fromMs, toMs, path));
}

/** Photo files the user picks in the system's file dialog (empty if cancelled). */
export async function pickPhotos(title: string): Promise<string[]> {
  try {
    const picked = await open({
      title,
      multiple: true,
      directory: false,
      filters: [{ name: "Photos", extensions: ["jpg", "jpeg", "png", "webp", "tif", "tiff", "gif", "heic", "heif"] }],
    });
    if (picked === null) return [];
    return Array.isArray(picked) ? picked : [picked];
  } catch (e) {
    console.warn("Hanout: no file dialog", e);
    return [];
  }
}

export function importPhotos(
  listingId: string,
  paths: string[],
  onProgress: (p: PhotoProgress) => void,
): Promise<Outcome<PhotoImportReport>> {
  return guard(() => {
    const channel = new Channel<PhotoProgress>();
    channel.onmessage = onProgress;
    return commands.importPhotos(listingId, paths, channel);
  });
}

/** The first page of the list is on screen: the app times its start-up by it. */
export function firstPaint(): Promise<Outcome<null>> {
  return guard(() => commands.firstPaint());
}

/** Stops this listing's photo import; other listings' imports go on. */
export function cancelPhotoImport(listingId: string): Promise<Outcome<null>> {
  return guard(() => commands.cancelPhotoImport(listingId));
}

/** The first pages of a print as they will come out (SVG), and its page count. */
export function printPreview(job: PrintJob): Promise<Outcome<PrintPreview>> {
  return guard(() => commands.printPreview(job));
}

/** Saves a print as PDF where the user chooses; its path, or `null` data if cancelled. */
export async function savePrint(job: PrintJob, defaultName: string, title: string): Promise<Outcome<string | null>> {
  const path = await pickDestination(title, defaultName, "PDF", ["pdf"]);
  if (path === null) return { status: "ok", data: null };
  const saved = await guard(() => commands.savePrint(job, path));
  return saved.status === "ok" ? { status: "ok", data: path } : saved;
}

/** Opens a saved PDF in the system's viewer, where it is printed. */
export function openPrint(path: string): Promise<Outcome<null>> {
  return guard(() => commands.openPrint(path));
}

/** A listing's photos, cover first, each with its thumbnail. */
export function listingPhotos(id: string): Promise<Outcome<PhotoView[]>> {
  return guard(() => commands.listingPhotos(id));
}

/** Puts a listing's photos in `order` (cover first; those left out are taken off). */
export function arrangePhotos(id: string, order: string[]): Promise<Outcome<ListingView>> {
  return guard(() => commands.arrangePhotos(id, order));
}

/** Files dragged from the file manager over the window, and dropped. */
export type FileDrop = { type: "over" } | { type: "leave" } | { type: "drop"; paths: string[] };

export function onFileDrop(cb: (drop: FileDrop) => void): Promise<Unlisten> {
  return listenSafely(() =>
    getCurrentWebview().onDragDropEvent((event) => {
      const p = event.payload;
      if (p.type === "drop") cb({ type: "drop", paths: p.paths });
      else if (p.type === "leave") cb({ type: "leave" });
      else cb({ type: "over" });
    }),
  );
}

/** A file the user picks to read (`null` if cancelled). */
async function pickFile(title: string, name: string, extensions: string[]): Promise<string | null> {
  try {
    const picked = await open({ title, multiple: false, directory: false, filters: [{ name, extensions }] });
    return Array.isArray(picked) ? (picked[0] ?? null) : picked;
  } catch (e) {
    console.warn("Hanout: no file dialog", e);
    return null;
  }
}

/** Where the user chooses to write a file (`null` if cancelled). */
async function pickDestination(title: string, defaultPath: string, name: string, extensions: string[]): Promise<string | null> {
  try {
    return await save({ title, defaultPath, filters: [{ name, extensions }] });
  } catch (e) {
    console.warn("Hanout: no file dialog", e);
    return null;
  }
}

export function pickCsv(title: string): Promise<string | null> {
  return pickFile(title, "CSV", ["csv", "txt"]);
}

export function pickBackup(title: string): Promise<string | null> {
  return pickFile(title, "Hanout", ["db", "sqlite", "hanout"]);
}

/** What importing this CSV file would do (nothing is written). */
export function planCsvImport(path: string): Promise<Outcome<ImportPlanView>> {
  return guard(() => commands.planCsvImport(path));
}

/** Imports the valid rows of this CSV file; how many listings. */
export function applyCsvImport(path: string): Promise<Outcome<number>> {
  return guard(() => commands.applyCsvImport(path));
}

/** Saves the catalog as CSV where the user chooses: the rows written, `null` if cancelled. */
export async function exportCatalogCsv(defaultName: string, title: string): Promise<Outcome<number | null>> {
  const path = await pickDestination(title, defaultName, "CSV", ["csv"]);
  if (path === null) return { status: "ok", data: null };
  return guard(() => commands.exportCatalogCsv(path));
}

/** Backs the catalog up where the user chooses: the path, `null` if cancelled. */
export async function backupCatalog(defaultName: string, title: string): Promise<Outcome<string | null>> {
  const path = await pickDestination(title, defaultName, "Hanout", ["db"]);
  if (path === null) return { status: "ok", data: null };
  const done = await guard(() => commands.backupCatalog(path));
  return done.status === "ok" ? { status: "ok", data: path } : done;
}

/** Replaces the catalog with a backup; without `confirm`, refuses if unsent listings would be lost. */
export function restoreCatalog(path: string, confirm: boolean): Promise<Outcome<RestoreView>> {
  return guard(() => commands.restoreCatalog(path, confirm));
}

/** A bundle of this laptop's changes written where the user chooses; `null` if cancelled. */
export async function exportBundle(defaultName: string, title: string, photos: boolean): Promise<Outcome<BundleMadeView | null>> {
  const path = await pickDestination(title, defaultName, "Hanout", ["hanout"]);
  if (path === null) return { status: "ok", data: null };
  return guard(() => commands.exportBundle(path, photos));
}

/** The other laptop's bundle, picked by the user, taken in; `null` if cancelled. */
export async function importBundle(title: string): Promise<Outcome<BundleTakenView | null>> {
  const path = await pickFile(title, "Hanout", ["hanout"]);
  if (path === null) return { status: "ok", data: null };
  return guard(() => commands.importBundle(path));
}

/** Opens this laptop to the other one on the stand's network (or says the share already open). */
export function startShare(): Promise<Outcome<ShareView>> {
  return guard(() => commands.startShare());
}

export function stopShare(): Promise<Outcome<null>> {
  return guard(() => commands.stopShare());
}

/** The laptops sharing on this network (takes a few seconds). */
export function findLaptops(): Promise<Outcome<FoundView[]>> {
  return guard(() => commands.findLaptops());
}

/** Syncs with the laptop sharing at `address`, with the code shown on it. */
export function exchangeWith(address: string, code: string): Promise<Outcome<ExchangedView>> {
  return guard(() => commands.exchangeWith(address.trim(), code.trim()));
}

/** What happens on this laptop's share: exchanges, wrong codes, a new code. */
export function onStandEvent(cb: (event: StandEvent) => void): Promise<Unlisten> {
  return listenSafely(() => events.standEvent.listen((e) => cb(e.payload)));
}
