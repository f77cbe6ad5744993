import { ar } from "./ar";
import { en } from "./en";
import { fr } from "./fr";
import type { Catalog, Lang } from "./types";

export const catalogs: Record<Lang, Catalog> = { ar, fr, en };
