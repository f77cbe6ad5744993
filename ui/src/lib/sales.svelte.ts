// Sales and stock changes made anywhere in the window: the journal reads
// again when `version` moves.
export const salesChanged = $state({ version: 0 });

export function noteSalesChanged(): void {
  salesChanged.version += 1;
}

/** The local day `YYYY-MM-DD` as `[from, to)` in ms since the epoch. */
export function dayRange(day: string): [number, number] {
  const [y, m, d] = day.split("-").map(Number);
  return [new Date(y, m - 1, d).getTime(), new Date(y, m - 1, d + 1).getTime()];
}

/** Today, local, as `YYYY-MM-DD`. */
export function today(now: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}
