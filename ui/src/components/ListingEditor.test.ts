// @vitest-environment jsdom
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { setLang } from "../i18n/locale.svelte";
import {
  artisanNames,
  listingDetails,
  lostEdits,
  onListingsChanged,
  settleLostEdit,
  updateListing,
  type ListingDetails,
  type ListingView,
} from "../lib/backend";
import { editing } from "../lib/editing.svelte";
import ListingEditor from "./ListingEditor.svelte";

vi.mock("../lib/backend", () => ({
  artisanNames: vi.fn(),
  listingDetails: vi.fn(),
  updateListing: vi.fn(),
  onListingsChanged: vi.fn(),
  lostEdits: vi.fn(),
  settleLostEdit: vi.fn(),
  listingPhotos: vi.fn(async () => ({ status: "ok", data: [] })),
  arrangePhotos: vi.fn(),
  onFileDrop: vi.fn(async () => () => {}),
  pickPhotos: vi.fn(),
  importPhotos: vi.fn(),
  cancelPhotoImport: vi.fn(),
}));

const ID = "0190a1b2-0000-7000-8000-000000000001";

const details: ListingDetails = {
  titleAr: "زربية بني ورين",
  titleFr: "Tapis Beni Ouarain",
  titleEn: "",
  descriptionAr: "",
  descriptionFr: "",
  descriptionEn: "",
  category: "carpets",
  price: "4500",
  stock: "5",
  unit: "piece",
  dimensions: "",
  weightGrams: "",
  materials: "",
  origin: "",
  region: "",
  tags: "",
  status: "ready",
  artisan: "",
};

const saved: ListingView = {
  photoCount: 0,
  stock: 3,
  ledger: null,
  moderation: null,
  id: ID,
  title: "زربية بني ورين",
  titleLang: "ar",
  priceCentimes: 450000,
  updatedAtMs: 1_790_000_000_000,
  status: "ready",
  sync: { state: "waiting" },
};

const strip = (s: string | null) => (s ?? "").replace(/[\u2068\u2069]/g, "");

describe("ListingEditor", () => {
  let pulled: () => void;

  beforeEach(() => {
    vi.mocked(listingDetails).mockReset().mockResolvedValue({ status: "ok", data: { ...details } });
    vi.mocked(artisanNames).mockReset().mockResolvedValue({ status: "ok", data: ["Fatima Ait Lahcen"] });
    vi.mocked(updateListing).mockReset();
    vi.mocked(lostEdits).mockReset().mockResolvedValue({ status: "ok", data: null });
    vi.mocked(settleLostEdit).mockReset();
    vi.mocked(onListingsChanged)
      .mockReset()
      .mockImplementation(async (cb) => {
        pulled = cb;
        return () => {};
      });
    editing.id = ID;
    editing.dirty = false;
    editing.asking = null;
    setLang("en");
  });

  it("puts focus in the first field, and saves what was loaded and what was typed", async () => {
    vi.mocked(updateListing).mockResolvedValue({ status: "ok", data: saved });
    const onsaved = vi.fn();
    const user = userEvent.setup();
    render(ListingEditor, { id: ID, onsaved });

    const first = await screen.findByTestId("edit-title-ar-input");
    await waitFor(() => expect(document.activeElement).toBe(first));
    await user.type(screen.getByTestId("edit-artisan-input"), "Fatima Ait Lahcen");
    await user.type(screen.getByTestId("edit-origin-input"), "Azrou");
    await user.selectOptions(screen.getByTestId("edit-category-input"), "pottery");
    await user.type(screen.getByTestId("edit-descriptionFr-input"), "Laine naturelle");
    expect(editing.dirty).toBe(true);
    await user.click(screen.getByTestId("edit-save"));

    expect(updateListing).toHaveBeenCalledExactlyOnceWith(ID, details, {
      ...details,
      artisan: "Fatima Ait Lahcen",
      origin: "Azrou",
      category: "pottery",
      descriptionFr: "Laine naturelle",
    });
    await waitFor(() => expect(editing.id).toBeNull());
    expect(onsaved).toHaveBeenCalledWith(saved);
  });

  it("saves with Ctrl+S and closes with Escape when nothing changed", async () => {
    vi.mocked(updateListing).mockResolvedValue({ status: "ok", data: saved });
    const user = userEvent.setup();
    render(ListingEditor, { id: ID });
    await screen.findByTestId("edit-price-input");
    await user.keyboard("{Control>}s{/Control}");
    await waitFor(() => expect(updateListing).toHaveBeenCalledOnce());
    await waitFor(() => expect(editing.id).toBeNull());

    editing.id = ID;
    render(ListingEditor, { id: ID });
    await screen.findAllByTestId("edit-price-input");
    await user.keyboard("{Escape}");
    expect(editing.id).toBeNull();
  });

  it("asks before Escape throws away unsaved changes", async () => {
    const user = userEvent.setup();
    render(ListingEditor, { id: ID });
    await user.type(await screen.findByTestId("edit-price-input"), "0");
    await user.keyboard("{Escape}");

    const question = await screen.findByTestId("discard");
    expect(question.getAttribute("role")).toBe("alertdialog");
    expect(question.textContent).toContain("Discard your unsaved changes to this listing?");
    expect(editing.id).toBe(ID);
    // The safe answer has focus; Escape gives it.
    expect(document.activeElement).toBe(screen.getByTestId("discard-no"));
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("discard")).toBeNull();
    expect(editing.id).toBe(ID);

    await user.click(screen.getByTestId("edit-cancel"));
    await user.click(await screen.findByTestId("discard-yes"));
    expect(editing.id).toBeNull();
  });

  it("puts a refused field's reason under that field, tied to the input, and stays open", async () => {
    vi.mocked(updateListing).mockResolvedValue({
      status: "error",
      error: { kind: "validation", field: "stock", reason: "not_a_number" },
    });
    setLang("fr");
    const user = userEvent.setup();
    render(ListingEditor, { id: ID });

    const stock = await screen.findByTestId("edit-stock-input");
    await user.clear(stock);
    await user.type(stock, "douze");
    await user.click(screen.getByTestId("edit-save"));

    const error = await screen.findByTestId("field-error-edit-stock");
    // Named as its label says ("En stock"), and read with the input.
    expect(strip(error.textContent)).toBe("Le champ « En stock » doit être un nombre");
    expect(stock.getAttribute("aria-describedby")).toBe(error.id);
    expect(stock.getAttribute("aria-invalid")).toBe("true");
    expect(editing.id).toBe(ID);
  });

  it.each(["title", "description", "price", "category", "stock", "unit", "weight", "status", "tags", "artisan", "name", "materials", "origin", "region", "dimensions"] as const)(
    "shows a refused %s where the manager can see it, tied to its input",
    async (field) => {
      vi.mocked(updateListing).mockResolvedValue({ status: "error", error: { kind: "validation", field, reason: "too_long" } });
      const user = userEvent.setup();
      render(ListingEditor, { id: ID });
      await user.click(await screen.findByTestId("edit-save"));
      await waitFor(() => expect(document.querySelector("[aria-invalid=true]")).not.toBeNull());
      const input = document.querySelector("[aria-invalid=true]")!;
      const described = (input.getAttribute("aria-describedby") ?? "").split(" ").map((id) => document.getElementById(id));
      expect(described.some((el) => el?.textContent?.includes("too long")), field).toBe(true);
      expect(screen.queryByTestId("edit-error")).toBeNull();
    },
  );

  it("says what a status means for the marketplace", async () => {
    const user = userEvent.setup();
    render(ListingEditor, { id: ID });
    const select = await screen.findByTestId("edit-status-input");
    const means = screen.getByTestId("status-means");
    expect(select.getAttribute("aria-describedby")).toBe(means.id);
    expect(means.textContent?.trim()).toBe("Public on the marketplace once approved");
    await user.selectOptions(select, "draft");
    expect(means.textContent?.trim()).toBe("Not on the marketplace — only on this laptop");
    await user.selectOptions(select, "archived");
    expect(means.textContent?.trim()).toBe("Taken off the marketplace — kept on this laptop");
  });

  it("tells which fields another laptop changed while open, taking them where untouched", async () => {
    const user = userEvent.setup();
    render(ListingEditor, { id: ID });
    const price = (await screen.findByTestId("edit-price-input")) as HTMLInputElement;
    const stock = screen.getByTestId("edit-stock-input") as HTMLInputElement;
    await user.clear(stock);
    await user.type(stock, "7");

    vi.mocked(listingDetails).mockResolvedValue({ status: "ok", data: { ...details, price: "3900", stock: "3" } });
    pulled();
    const notice = await screen.findByTestId("changed-underneath");
    expect(notice.dataset.fields).toBe("price stock");
    expect(strip(notice.textContent)).toContain("Price (MAD) and In stock");
    expect(price.value).toBe("3900"); // untouched: takes the new price
    expect(stock.value).toBe("7"); // typed here: kept, saved as +2 on today's count

    vi.mocked(updateListing).mockResolvedValue({ status: "ok", data: saved });
    await user.click(screen.getByTestId("edit-save"));
    expect(updateListing).toHaveBeenCalledWith(
      ID,
      { ...details, price: "3900" },
      { ...details, price: "3900", stock: "7" },
    );
  });

  it("on a clash shows both values per field; keeping mine saves it over theirs", async () => {
    vi.mocked(updateListing).mockResolvedValueOnce({
      status: "error",
      error: { kind: "edited_meanwhile", fields: ["price", "category"], current: { ...details, price: "3900", category: "textiles" } },
    });
    const user = userEvent.setup();
    render(ListingEditor, { id: ID });
    const price = (await screen.findByTestId("edit-price-input")) as HTMLInputElement;
    await user.clear(price);
    await user.type(price, "4200");
    await user.selectOptions(screen.getByTestId("edit-category-input"), "pottery");
    await user.click(screen.getByTestId("edit-save"));

    const clashes = await screen.findAllByTestId("clash");
    expect(clashes.map((c) => c.dataset.field)).toEqual(["price", "category"]);
    expect(clashes[0].querySelector("[data-testid=clash-yours]")?.textContent).toBe("4200");
    expect(clashes[0].querySelector("[data-testid=clash-theirs]")?.textContent).toBe("3900");
    expect(clashes[1].querySelector("[data-testid=clash-yours]")?.textContent).toBe("Pottery");
    expect(clashes[1].querySelector("[data-testid=clash-theirs]")?.textContent).toBe("Textiles");
    expect(screen.getByTestId("edit-error").textContent).toContain("Another laptop changed this listing");
    expect(editing.id).toBe(ID);

    // Keep my price, take their category, save again.
    await user.click(clashes[0].querySelector<HTMLElement>("[data-testid=keep-mine]")!);
    await user.click(screen.getByTestId("clash").querySelector<HTMLElement>("[data-testid=take-theirs]")!);
    expect(screen.queryByTestId("conflict")).toBeNull();
    expect((screen.getByTestId("edit-category-input") as HTMLSelectElement).value).toBe("textiles");

    vi.mocked(updateListing).mockResolvedValueOnce({ status: "ok", data: saved });
    await user.click(screen.getByTestId("edit-save"));
    expect(updateListing).toHaveBeenLastCalledWith(
      ID,
      { ...details, price: "3900", category: "textiles" },
      { ...details, price: "4200", category: "textiles" },
    );
    await waitFor(() => expect(editing.id).toBeNull());
  });

  it("shows an edit that lost to another laptop; taking it back puts it in the form, untouched fields stay", async () => {
    const current = { ...details, price: "3900" };
    vi.mocked(listingDetails).mockReset().mockResolvedValueOnce({ status: "ok", data: current });
    vi.mocked(lostEdits).mockResolvedValueOnce({
      status: "ok",
      data: { fields: ["price"], mine: { ...current, price: "4200" }, current },
    });
    vi.mocked(settleLostEdit).mockResolvedValue({ status: "ok", data: null });
    const user = userEvent.setup();
    render(ListingEditor, { id: ID });

    const lost = await screen.findByTestId("lost-edit");
    expect(lost.dataset.field).toBe("price");
    expect(lost.querySelector("[data-testid=lost-mine]")?.textContent).toBe("4200");
    expect(lost.querySelector("[data-testid=lost-theirs]")?.textContent).toBe("3900");
    expect((screen.getByTestId("edit-price-input") as HTMLInputElement).value).toBe("3900");
    await user.type(screen.getByTestId("edit-origin-input"), "Azrou");

    // The store now holds mine again; the form follows for that field only.
    vi.mocked(listingDetails).mockResolvedValue({ status: "ok", data: { ...current, price: "4200" } });
    vi.mocked(lostEdits).mockResolvedValue({ status: "ok", data: null });
    await user.click(screen.getByTestId("take-mine-back"));
    expect(settleLostEdit).toHaveBeenCalledExactlyOnceWith(ID, "price", true);
    await waitFor(() => expect(screen.queryByTestId("lost-edits")).toBeNull());
    await waitFor(() => expect((screen.getByTestId("edit-price-input") as HTMLInputElement).value).toBe("4200"));
    expect((screen.getByTestId("edit-origin-input") as HTMLInputElement).value).toBe("Azrou");

    vi.mocked(updateListing).mockResolvedValueOnce({ status: "ok", data: saved });
    await user.click(screen.getByTestId("edit-save"));
    expect(updateListing).toHaveBeenLastCalledWith(
      ID,
      { ...current, price: "4200" },
      { ...current, price: "4200", origin: "Azrou" },
    );
  });

  it("offers the cooperative's artisans and names the categories in Arabic", async () => {
    setLang("ar");
    render(ListingEditor, { id: ID });
    await screen.findByTestId("edit-artisan-input");
    await waitFor(() =>
      expect(document.querySelector("#edit-artisans option")?.getAttribute("value")).toBe("Fatima Ait Lahcen"),
    );
    const options = [...(screen.getByTestId("edit-category-input") as HTMLSelectElement).options].map((o) => o.text);
    expect(options).toContain("زرابي");
    expect(options).toHaveLength(11);
  });
});
