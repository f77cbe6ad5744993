// @vitest-environment jsdom
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { setLang } from "../i18n/locale.svelte";
import { artisanNames, listingDetails, updateListing, type ListingDetails, type ListingView } from "../lib/backend";
import ListingEditor from "./ListingEditor.svelte";

vi.mock("../lib/backend", () => ({ artisanNames: vi.fn(), listingDetails: vi.fn(), updateListing: vi.fn() }));

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
  stock: "1",
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
  moderation: null,
  id: ID,
  title: "زربية بني ورين",
  titleLang: "ar",
  priceCentimes: 450000,
  updatedAtMs: 1_790_000_000_000,
  sync: { state: "waiting" },
};

const strip = (s: string | null) => (s ?? "").replace(/[\u2068\u2069]/g, "");

describe("ListingEditor", () => {
  beforeEach(() => {
    vi.mocked(listingDetails).mockReset().mockResolvedValue({ status: "ok", data: { ...details } });
    vi.mocked(artisanNames).mockReset().mockResolvedValue({ status: "ok", data: ["Fatima Ait Lahcen"] });
    vi.mocked(updateListing).mockReset();
    setLang("en");
  });

  it("shows the listing, and saves every field as typed", async () => {
    vi.mocked(updateListing).mockResolvedValue({ status: "ok", data: saved });
    const onclose = vi.fn();
    const onsaved = vi.fn();
    const user = userEvent.setup();
    render(ListingEditor, { id: ID, onclose, onsaved });

    expect(await screen.findByTestId("edit-title-fr-input")).toHaveProperty("value", "Tapis Beni Ouarain");
    await user.type(screen.getByTestId("edit-artisan-input"), "Fatima Ait Lahcen");
    await user.type(screen.getByTestId("edit-origin-input"), "Azrou");
    await user.selectOptions(screen.getByTestId("edit-category-input"), "pottery");
    await user.type(screen.getByTestId("edit-descriptionFr-input"), "Laine naturelle");
    await user.click(screen.getByTestId("edit-save"));

    expect(updateListing).toHaveBeenCalledExactlyOnceWith(ID, {
      ...details,
      artisan: "Fatima Ait Lahcen",
      origin: "Azrou",
      category: "pottery",
      descriptionFr: "Laine naturelle",
    });
    await waitFor(() => expect(onclose).toHaveBeenCalled());
    expect(onsaved).toHaveBeenCalledWith(saved);
  });

  it("puts a refused field's reason under that field and stays open", async () => {
    vi.mocked(updateListing).mockResolvedValue({
      status: "error",
      error: { kind: "validation", field: "stock", reason: "not_a_number" },
    });
    setLang("fr");
    const onclose = vi.fn();
    const user = userEvent.setup();
    render(ListingEditor, { id: ID, onclose });

    const stock = await screen.findByTestId("edit-stock-input");
    await user.clear(stock);
    await user.type(stock, "douze");
    await user.click(screen.getByTestId("edit-save"));

    await waitFor(() =>
      expect(strip(screen.getByTestId("field-error-edit-stock").textContent)).toContain("« stock »"),
    );
    expect(onclose).not.toHaveBeenCalled();
  });

  it("offers the cooperative's artisans and names the categories in Arabic", async () => {
    setLang("ar");
    render(ListingEditor, { id: ID, onclose: vi.fn() });
    await screen.findByTestId("edit-artisan-input");
    await waitFor(() =>
      expect(document.querySelector("#edit-artisans option")?.getAttribute("value")).toBe("Fatima Ait Lahcen"),
    );
    const options = [...(screen.getByTestId("edit-category-input") as HTMLSelectElement).options].map((o) => o.text);
    expect(options).toContain("زرابي");
    expect(options).toHaveLength(11);
  });
});
