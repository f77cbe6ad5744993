// @vitest-environment jsdom
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { setLang } from "../i18n/locale.svelte";
import { lostEdits, settleLostEdit, type ListingDetails } from "../lib/backend";
import LostEdits from "./LostEdits.svelte";

vi.mock("../lib/backend", () => ({
  lostEdits: vi.fn(),
  settleLostEdit: vi.fn(),
}));

const ID = "0190a1b2-0000-7000-8000-000000000002";

const current: ListingDetails = {
  titleAr: "طاجين مزخرف",
  titleFr: "Tajine décoré",
  titleEn: "",
  descriptionAr: "",
  descriptionFr: "",
  descriptionEn: "",
  category: "textiles",
  price: "350",
  stock: "4",
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
const mine: ListingDetails = { ...current, category: "pottery", titleFr: "Tajine de Safi" };

describe("LostEdits", () => {
  beforeEach(() => {
    vi.mocked(lostEdits).mockReset();
    vi.mocked(settleLostEdit).mockReset();
    setLang("ar");
  });

  it("shows nothing when no edit was lost", async () => {
    vi.mocked(lostEdits).mockResolvedValue({ status: "ok", data: null });
    render(LostEdits, { id: ID });
    await waitFor(() => expect(lostEdits).toHaveBeenCalledWith(ID));
    expect(screen.queryByTestId("lost-edits")).toBeNull();
  });

  it("names each lost field with both values in Arabic; keeping theirs settles that field only", async () => {
    vi.mocked(lostEdits).mockResolvedValueOnce({
      status: "ok",
      data: { fields: ["title", "category"], mine, current },
    });
    vi.mocked(settleLostEdit).mockResolvedValue({ status: "ok", data: null });
    const onsettled = vi.fn();
    const user = userEvent.setup();
    render(LostEdits, { id: ID, onsettled });

    const rows = await screen.findAllByTestId("lost-edit");
    expect(rows.map((r) => r.dataset.field)).toEqual(["title", "category"]);
    expect(rows[0].querySelector("[data-testid=lost-mine]")?.textContent).toBe("طاجين مزخرف · Tajine de Safi");
    expect(rows[0].querySelector("[data-testid=lost-theirs]")?.textContent).toBe("طاجين مزخرف · Tajine décoré");
    expect(rows[1].querySelector("[data-testid=lost-mine]")?.textContent).toBe("فخار");
    expect(screen.getByTestId("lost-edits").textContent).not.toContain("lost.");

    vi.mocked(lostEdits).mockResolvedValueOnce({
      status: "ok",
      data: { fields: ["title"], mine, current },
    });
    await user.click(rows[1].querySelector<HTMLElement>("[data-testid=keep-theirs]")!);
    expect(settleLostEdit).toHaveBeenCalledExactlyOnceWith(ID, "category", false);
    expect(onsettled).toHaveBeenCalledWith("category");
    await waitFor(() => expect(screen.getAllByTestId("lost-edit")).toHaveLength(1));
  });

  it("says in the user's language when settling failed, and keeps the row", async () => {
    setLang("fr");
    vi.mocked(lostEdits).mockResolvedValue({
      status: "ok",
      data: { fields: ["price"], mine: { ...current, price: "400" }, current },
    });
    vi.mocked(settleLostEdit).mockResolvedValue({
      status: "error",
      error: { kind: "not_found", id: ID },
    });
    const user = userEvent.setup();
    render(LostEdits, { id: ID });
    await user.click(await screen.findByTestId("take-mine-back"));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("n'existe plus");
    expect(screen.getAllByTestId("lost-edit")).toHaveLength(1);
  });
});
