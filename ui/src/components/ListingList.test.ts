// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { setLang } from "../i18n/locale.svelte";
import { openPublicPage, removalPreview, removeListing, type ListingView } from "../lib/backend";
import ListingList from "./ListingList.svelte";

vi.mock("../lib/backend", () => ({
  removalPreview: vi.fn(),
  removeListing: vi.fn(),
  pickPhotos: vi.fn(),
  importPhotos: vi.fn(),
  cancelPhotoImport: vi.fn(),
  openPublicPage: vi.fn(),
}));

function listing(
  id: string,
  title: string,
  updatedAtMs: number,
  sync: ListingView["sync"],
  moderation: ListingView["moderation"] = null,
  status: ListingView["status"] = "ready",
): ListingView {
  return { id, title, titleLang: "fr", priceCentimes: 120000, updatedAtMs, sync, moderation, photoCount: 0, stock: 3, status, ledger: null };
}

type Ledger = NonNullable<ListingView["ledger"]>;
const ledger = (over: Partial<Ledger>): Ledger => ({
  state: "waiting",
  textWaiting: false,
  photosTotal: 0,
  photosOnMarket: 0,
  kbWaiting: 0,
  conflicts: 0,
  ...over,
});

const spaces = (s: string | null) => (s ?? "").replace(/\s/g, " ");

describe("ListingList", () => {
  beforeEach(() => {
    setLang("en");
    vi.mocked(removalPreview).mockReset();
    vi.mocked(removeListing).mockReset();
  });

  it("shows the empty state once loaded", () => {
    render(ListingList, { listings: [], loaded: true, error: null });
    expect(screen.getByText("No listings yet — add your first product above")).toBeTruthy();
  });

  it("passes what is typed in the search box and the filters on, and says when nothing matches", async () => {
    const onfilter = vi.fn();
    const user = userEvent.setup();
    render(ListingList, {
      listings: [],
      loaded: true,
      error: null,
      filters: { text: "زربيه", status: null, sync: null },
      onfilter,
    });
    expect(screen.getByText("No listing matches this search")).toBeTruthy();
    const input = screen.getByTestId("search-input") as HTMLInputElement;
    expect(input.value).toBe("زربيه");
    await fireEvent.input(input, { target: { value: "tapis az" } });
    expect(onfilter).toHaveBeenLastCalledWith({ text: "tapis az", status: null, sync: null });
    await user.selectOptions(screen.getByTestId("status-filter"), "archived");
    expect(onfilter).toHaveBeenLastCalledWith({ text: "زربيه", status: "archived", sync: null });
    await user.selectOptions(screen.getByTestId("sync-filter"), "failed");
    expect(onfilter).toHaveBeenLastCalledWith({ text: "زربيه", status: null, sync: "failed" });
    const labels = [...(screen.getByTestId("sync-filter") as HTMLSelectElement).options].map((o) => o.text);
    expect(labels).toEqual([
      "All",
      "Waiting to sync",
      "In review at the marketplace",
      "Sent to the marketplace",
      "Refused by the marketplace",
      "Edits lost to another laptop",
      "Drafts and archived (not on sale)",
    ]);
    await user.selectOptions(screen.getByTestId("sync-filter"), "conflict");
    expect(onfilter).toHaveBeenLastCalledWith({ text: "زربيه", status: null, sync: "conflict" });
  });

  it("says per row what still waits — text, k of n photos, size — and lost edits, in each language", () => {
    const rows = [
      { ...listing("a", "Tapis", 3, { state: "waiting" }), ledger: ledger({ textWaiting: true, photosTotal: 3, photosOnMarket: 1, kbWaiting: 1536 }) },
      { ...listing("b", "Tajine", 2, { state: "live" }), ledger: ledger({ state: "live", photosTotal: 2, photosOnMarket: 2, conflicts: 2 }) },
      { ...listing("c", "Huile", 1, { state: "waiting" }), ledger: ledger({ photosTotal: 2, kbWaiting: 300 }) },
      { ...listing("d", "Pot", 0, { state: "live" }), ledger: ledger({ state: "live", photosTotal: 1, photosOnMarket: 1 }) },
    ];
    const { unmount } = render(ListingList, { listings: rows, loaded: true, error: null });
    let cells = screen.getAllByTestId("ledger");
    expect(cells.map((c) => spaces(c.textContent))).toEqual([
      "Text to send · 1 of 3 photos on the marketplace · 1.5 MB to send",
      "2 edits lost to another laptop",
      "0 of 2 photos on the marketplace · 300 KB to send",
    ]);
    expect(cells.map((c) => c.dataset.state)).toEqual(["waiting", "live", "waiting"]);
    unmount();

    setLang("fr");
    render(ListingList, { listings: rows, loaded: true, error: null });
    cells = screen.getAllByTestId("ledger");
    expect(spaces(cells[0].textContent)).toBe("Texte à envoyer · 1 sur 3 photos sur la place de marché · 1,5 Mo à envoyer");
    expect(spaces(cells[1].textContent)).toBe("2 modifications perdues face à un autre ordinateur");
  });

  it("says the ledger in Arabic with its plural forms", () => {
    setLang("ar");
    const rows = [
      { ...listing("a", "زربية", 3, { state: "waiting" }), ledger: ledger({ photosTotal: 2, photosOnMarket: 1 }) },
      { ...listing("b", "طاجين", 2, { state: "waiting" }), ledger: ledger({ photosTotal: 5, kbWaiting: 2048 }) },
      { ...listing("c", "زيت", 1, { state: "live" }), ledger: ledger({ state: "live", conflicts: 1 }) },
    ];
    render(ListingList, { listings: rows, loaded: true, error: null });
    const cells = screen.getAllByTestId("ledger").map((c) => c.textContent ?? "");
    expect(cells[0]).toContain("من صورتين في السوق");
    expect(cells[1]).toContain("صور في السوق");
    expect(cells[1]).toContain("ميغابايت في انتظار الإرسال");
    expect(cells[2]).toBe("تعديل واحد غلبه حاسوب آخر");
  });

  it("offers more rows only when the backend says there are more", async () => {
    const onmore = vi.fn();
    const rows = [listing("a", "Pot", 1, { state: "live" })];
    const { rerender } = render(ListingList, { listings: rows, loaded: true, error: null, more: true, onmore });
    await fireEvent.click(screen.getByTestId("show-more"));
    expect(onmore).toHaveBeenCalledOnce();
    await rerender({ listings: rows, loaded: true, error: null, more: false, onmore });
    expect(screen.queryByTestId("show-more")).toBeNull();
  });

  it("lists rows in the backend's order with price, status and sync state", () => {
    render(ListingList, {
      listings: [
        listing("b", "New carpet", 3000, { state: "waiting" }, null, "draft"),
        listing("c", "Argan oil", 2000, { state: "failed", reason: "forbidden" }),
        listing("a", "Old pot", 1000, { state: "live" }, null, "archived"),
      ],
      loaded: true,
      error: null,
    });

    const rows = screen.getAllByTestId("listing");
    expect(rows.map((row) => row.dataset.sync)).toEqual(["waiting", "failed", "live"]);
    expect(rows.map((row) => row.dataset.status)).toEqual(["draft", "ready", "archived"]);
    expect(rows[0].querySelector("[data-testid=status-badge]")?.textContent).toContain(
      "Not on the marketplace — only on this laptop",
    );
    expect(rows[2].querySelector("[data-testid=status-badge]")?.textContent).toContain("Taken off the marketplace");
    // An archived listing the marketplace has is up to date there, not "live".
    expect(rows[2].textContent).toContain("Up to date with the marketplace");
    expect(rows[0].textContent).toContain("New carpet");
    expect(spaces(rows[0].textContent)).toContain("MAD 1,200.00");
    expect(rows[0].textContent).toContain("Waiting to sync");
    expect(rows[1].textContent).toContain("the marketplace refused access");
    expect(rows[0].querySelector('[dir="auto"]')?.textContent).toBe("New carpet");
  });

  it("names the listing on each button, for screen readers", () => {
    render(ListingList, {
      listings: [listing("a", "Tapis Azilal", 1, { state: "live" })],
      loaded: true,
      error: null,
    });
    const row = screen.getByTestId("listing");
    const named = (testid: string) => row.querySelector(`[data-testid=${testid}]`)?.getAttribute("aria-label")?.replace(/[\u2068\u2069]/g, "");
    expect(named("edit-listing")).toBe("Edit: Tapis Azilal");
    expect(named("remove-listing")).toBe("Delete: Tapis Azilal");
    expect(named("add-photos")).toBe("Add photos to Tapis Azilal");
    expect(row.textContent).toContain("Live on the marketplace");
  });

  it("deletes a listing that never reached the marketplace only once confirmed", async () => {
    vi.mocked(removalPreview).mockResolvedValue({ status: "ok", data: "deleted" });
    vi.mocked(removeListing).mockResolvedValue({ status: "ok", data: "deleted" });
    const onchanged = vi.fn();
    const user = userEvent.setup();
    render(ListingList, { listings: [listing("a", "Tapis", 1, { state: "waiting" })], loaded: true, error: null, onchanged });

    await user.click(screen.getByTestId("remove-listing"));
    const question = await screen.findByTestId("remove-confirm");
    expect(question.textContent?.replace(/[\u2068\u2069]/g, "")).toContain("Delete “Tapis” for good? It never reached the marketplace");
    // "Keep it" has focus: Enter or Escape by reflex deletes nothing.
    expect(document.activeElement).toBe(screen.getByTestId("remove-confirm-no"));
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("remove-confirm")).toBeNull();
    expect(removeListing).not.toHaveBeenCalled();

    await user.click(screen.getByTestId("remove-listing"));
    await user.click(await screen.findByTestId("remove-confirm-yes"));
    expect(removeListing).toHaveBeenCalledExactlyOnceWith("a");
    await waitFor(() => expect(screen.getByTestId("remove-notice").dataset.removal).toBe("deleted"));
    expect(onchanged).toHaveBeenCalled();
  });

  it("says a listing on the marketplace will be archived, not deleted", async () => {
    vi.mocked(removalPreview).mockResolvedValue({ status: "ok", data: "archived" });
    vi.mocked(removeListing).mockResolvedValue({ status: "ok", data: "archived" });
    setLang("fr");
    const user = userEvent.setup();
    render(ListingList, { listings: [listing("a", "Tapis", 1, { state: "live" })], loaded: true, error: null });
    await user.click(screen.getByTestId("remove-listing"));
    const question = await screen.findByTestId("remove-confirm");
    expect(question.textContent).toContain("elle sera archivée");
    expect(screen.getByTestId("remove-confirm-yes").textContent?.trim()).toBe("Archiver");
    await user.click(screen.getByTestId("remove-confirm-yes"));
    await waitFor(() => expect(screen.getByTestId("remove-notice").textContent).toContain("a été archivée"));
  });

  it("gives a generic message for an unknown failure reason", () => {
    render(ListingList, {
      listings: [listing("a", "Pot", 1, { state: "failed", reason: "teapot" })],
      loaded: true,
      error: null,
    });
    expect(screen.getByTestId("listing").textContent).toContain("Not published: sync failed");
    expect(screen.getByTestId("listing").textContent).not.toContain("teapot");
  });

  it("translates badges in Arabic", () => {
    setLang("ar");
    render(ListingList, { listings: [listing("a", "زربية", 1, { state: "waiting" })], loaded: true, error: null });
    expect(screen.getByTestId("listing").textContent).toContain("في انتظار المزامنة");
  });

  it("shows what the moderators said once the listing is live", () => {
    render(ListingList, {
      listings: [
        listing("a", "Pot", 3, { state: "live" }, { state: "pending" }),
        listing("b", "Tapis", 2, { state: "live" }, { state: "rejected", reason: "Photo floue" }),
        listing("c", "Savon", 1, { state: "live" }, { state: "rejected", reason: null }),
        listing("d", "Huile", 0, { state: "waiting" }, { state: "rejected", reason: "Prix" }),
      ],
      loaded: true,
      error: null,
    });
    const badges = screen.getAllByTestId("sync-badge");
    expect(badges.map((b) => b.dataset.kind)).toEqual(["review", "rejected", "rejected", "waiting"]);
    expect(badges[0].textContent).toContain("Waiting for the marketplace's review");
    expect(badges[1].textContent).toContain("Refused by the marketplace's moderators: \u2068Photo floue\u2069");
    expect(badges[2].textContent?.trim()).toBe("Refused by the marketplace's moderators");
    // A local edit waiting to be sent comes first: the moderators have not seen it.
    expect(badges[3].textContent).toContain("Waiting to sync");
  });

  it("translates a rejection in Arabic and French, keeping the moderator's words", () => {
    setLang("ar");
    const rejected = [listing("a", "زربية", 1, { state: "live" }, { state: "rejected", reason: "Photo floue" })];
    const { unmount } = render(ListingList, { listings: rejected, loaded: true, error: null });
    expect(screen.getByTestId("sync-badge").textContent).toContain("رفضه مشرفو السوق: \u2068Photo floue\u2069");
    unmount();
    setLang("fr");
    render(ListingList, { listings: rejected, loaded: true, error: null });
    expect(screen.getByTestId("sync-badge").textContent).toContain(
      "Refusée par les modérateurs de la place de marché : \u2068Photo floue\u2069",
    );
  });

  it("offers the public page only for what buyers see, and opens it in the window's language", async () => {
    setLang("ar");
    vi.mocked(openPublicPage).mockReset().mockResolvedValue({ status: "ok", data: null });
    const user = userEvent.setup();
    render(ListingList, {
      listings: [
        listing("a", "Tapis Azilal", 3, { state: "live" }, { state: "approved" }),
        listing("b", "Tajine", 2, { state: "live" }, { state: "pending" }),
        listing("c", "Pouf", 1, { state: "waiting" }),
        listing("d", "Couffin", 0, { state: "live" }, null, "archived"),
      ],
      loaded: true,
      error: null,
    });
    const buttons = screen.getAllByTestId("open-public-page");
    expect(buttons).toHaveLength(1);
    expect(buttons[0].closest("[data-testid=listing]")?.getAttribute("data-id")).toBe("a");
    expect(buttons[0].textContent?.trim()).toBe("اعرض في السوق");
    await user.click(buttons[0]);
    expect(openPublicPage).toHaveBeenCalledExactlyOnceWith("a", "ar");
  });

  it("says in the user's language when the browser did not open", async () => {
    vi.mocked(openPublicPage).mockReset().mockResolvedValue({
      status: "error",
      error: { kind: "system", action: "open_page" },
    });
    const user = userEvent.setup();
    render(ListingList, {
      listings: [listing("a", "Tapis Azilal", 3, { state: "live" }, { state: "approved" })],
      loaded: true,
      error: null,
    });
    await user.click(screen.getByTestId("open-public-page"));
    expect((await screen.findByRole("alert")).textContent).toContain("browser did not open");
  });
});
