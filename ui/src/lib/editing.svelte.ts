/** Which listing the editor shows, if any: set by a row, read by the app. */
export const editing = $state<{ id: string | null }>({ id: null });
