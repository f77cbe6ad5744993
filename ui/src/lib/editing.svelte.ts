// Which listing the editor shows, shared by the rows (which open it), the
// app (shortcuts) and the editor itself. Leaving an editor with unsaved
// changes asks first; closing it gives focus back to the row it came from.

import { tick } from "svelte";

type Next = { id: string | null; after?: () => void };

export const editing = $state<{
  /** The listing being edited. */
  id: string | null;
  /** The editor holds changes not saved yet. */
  dirty: boolean;
  /** Leaving was asked while dirty: where to go once the manager answers. */
  asking: Next | null;
}>({ id: null, dirty: false, asking: null });

/** Opens the editor on `id` (asking first if unsaved changes would be lost). */
export function openEditor(id: string): void {
  request({ id });
}

/** Closes the editor (asking first if needed), then runs `after`. */
export function closeEditor(after?: () => void): void {
  request({ id: null, after });
}

/** Closes without asking: the changes were just saved, or the listing is gone. */
export function closeSaved(): void {
  go({ id: null });
}

/** The manager agreed to lose the unsaved changes. */
export function discardAndLeave(): void {
  const next = editing.asking;
  editing.asking = null;
  if (next) go(next);
}

/** The manager chose to go on editing. */
export function keepEditing(): void {
  editing.asking = null;
}

function request(next: Next): void {
  if (editing.id !== null && editing.dirty && next.id !== editing.id) {
    editing.asking = next;
    return;
  }
  go(next);
}

function go(next: Next): void {
  const left = editing.id;
  editing.id = next.id;
  editing.dirty = false;
  editing.asking = null;
  tick().then(() => {
    if (next.after) next.after();
    else if (next.id === null && left !== null) focusRow(left);
  });
}

/** Puts focus back on a row's Edit button (the row may be gone: then nowhere). */
export function focusRow(id: string): void {
  const button = document.querySelector<HTMLElement>(`[data-testid="edit-listing"][data-id="${id.replace(/["\\]/g, "")}"]`);
  button?.focus();
}
