// @vitest-environment jsdom
import { fireEvent, render, screen } from "@testing-library/svelte";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { setLang } from "../i18n/locale.svelte";
import type { ListingView } from "../lib/backend";
import ListingList from "./ListingList.svelte";

function listing(
  id: string,
  title: string,
  updatedAtMs: number,
  sync: ListingView["sync"],
  moderation: ListingView["moderation"] = null,
): ListingView {
  return { id, title, titleLang: "fr", priceCentimes: 120000, updatedAtMs, sync, moderation, photoCount: 0 };
}

const spaces = (s: string | null) => (s ?? "").replace(/\s/g, " ");

describe("ListingList", () => {
  beforeEach(() => setLang("en"));

  it("shows the empty state once loaded", () => {
    render(ListingList, { listings: [], loaded: true, error: null });
    expect(screen.getByText("No listings yet — add your first product above")).toBeTruthy();
  });

  it("passes what is typed in the search box on, and says when nothing matches", async () => {
    const onsearch = vi.fn();
    render(ListingList, { listings: [], loaded: true, error: null, query: "زربيه", onsearch });
    expect(screen.getByText("No listing matches this search")).toBeTruthy();
    const input = screen.getByTestId("search-input") as HTMLInputElement;
    expect(input.value).toBe("زربيه");
    await fireEvent.input(input, { target: { value: "tapis az" } });
    expect(onsearch).toHaveBeenLastCalledWith("tapis az");
  });

  it("lists newest first with price and sync state", () => {
    render(ListingList, {
      listings: [
        listing("a", "Old pot", 1000, { state: "live" }),
        listing("b", "New carpet", 3000, { state: "waiting" }),
        listing("c", "Argan oil", 2000, { state: "failed", reason: "forbidden" }),
      ],
      loaded: true,
      error: null,
    });

    const rows = screen.getAllByTestId("listing");
    expect(rows.map((row) => row.dataset.sync)).toEqual(["waiting", "failed", "live"]);
    expect(rows[0].textContent).toContain("New carpet");
    expect(spaces(rows[0].textContent)).toContain("MAD 1,200.00");
    expect(rows[0].textContent).toContain("Waiting to sync");
    expect(rows[1].textContent).toContain("the marketplace refused access");
    expect(rows[2].textContent).toContain("Live on the marketplace");
    expect(rows[0].querySelector('[dir="auto"]')?.textContent).toBe("New carpet");
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
});
