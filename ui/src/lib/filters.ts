import type { ListingStatus, SyncFilter } from "./backend";

/** What the list is narrowed to: words typed, a status, a sync state. */
export type Filters = { text: string; status: ListingStatus | null; sync: SyncFilter | null };
