// A sync status for tests: nothing waiting, offline, no error; `over`
// sets what a test is about.
import type { SyncStatusView } from "../lib/backend";

export const syncStatus = (over: Partial<SyncStatusView> = {}): SyncStatusView => ({
  pending: 0,
  photosPending: 0,
  photoDownloadsPending: 0,
  connection: "offline",
  lastError: null,
  lastSyncedAtMs: null,
  cooperative: null,
  clockWrong: false,
  budgetReached: false,
  photosHeld: 0,
  photoMbWaiting: 0,
  uploading: null,
  update: null,
  ...over,
});
