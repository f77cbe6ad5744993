// @vitest-environment jsdom
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { flushSync } from "svelte";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { setLang } from "../i18n/locale.svelte";
import { createListing, type ListingView, type Outcome } from "../lib/backend";
import ListingForm from "./ListingForm.svelte";

vi.mock("../lib/backend", () => ({ createListing: vi.fn() }));

const created: ListingView = {
  photoCount: 0,
  stock: 3,
  ledger: null,
  moderation: null,
  id: "0190a1b2-0000-7000-8000-000000000001",
  title: "Tapis berbère",
  titleLang: "fr",
  priceCentimes: 450050,
  updatedAtMs: 1_790_000_000_000,
  status: "ready",
  sync: { state: "waiting" },
};

const strip = (s: string | null) => (s ?? "").replace(/[\u2068\u2069]/g, "");

describe("ListingForm", () => {
  beforeEach(() => {
    vi.mocked(createListing).mockReset();
    setLang("en");
  });

  it("sends the title and price as typed, then clears and refocuses the title", async () => {
    vi.mocked(createListing).mockResolvedValue({ status: "ok", data: created });
    const onsaved = vi.fn();
    const user = userEvent.setup();
    render(ListingForm, { onsaved });

    await user.type(screen.getByTestId("title-input"), "Tapis berbère");
    await user.type(screen.getByTestId("price-input"), "4 500,50");
    await user.click(screen.getByTestId("save-button"));

    expect(createListing).toHaveBeenCalledExactlyOnceWith({ title: "Tapis berbère", price: "4 500,50" });
    await waitFor(() => expect(onsaved).toHaveBeenCalledWith(created));
    expect(screen.getByTestId("title-input")).toHaveProperty("value", "");
    expect(screen.getByTestId("price-input")).toHaveProperty("value", "");
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId("title-input")));
  });

  it("submits with Enter", async () => {
    vi.mocked(createListing).mockResolvedValue({ status: "ok", data: created });
    const user = userEvent.setup();
    render(ListingForm);

    await user.type(screen.getByTestId("title-input"), "زربية");
    await user.type(screen.getByTestId("price-input"), "٤٥٠٠{Enter}");

    expect(createListing).toHaveBeenCalledExactlyOnceWith({ title: "زربية", price: "٤٥٠٠" });
  });

  it("shows a price validation error under the price field, in the current language", async () => {
    vi.mocked(createListing).mockResolvedValue({
      status: "error",
      error: { kind: "validation", field: "price", reason: "not_a_number" },
    });
    const user = userEvent.setup();
    render(ListingForm);

    await user.type(screen.getByTestId("title-input"), "Tajine");
    await user.type(screen.getByTestId("price-input"), "cher");
    await user.click(screen.getByTestId("save-button"));

    const message = await screen.findByTestId("field-error-price");
    expect(message.textContent).toBe("The price must be a number, like 4500 or 4 500,50");
    const price = screen.getByTestId("price-input");
    expect(price.getAttribute("aria-invalid")).toBe("true");
    expect(price.getAttribute("aria-describedby")).toBe(message.id);
    expect(screen.queryByTestId("field-error-title")).toBeNull();
    expect(screen.getByTestId("title-input").getAttribute("aria-invalid")).toBeNull();
    // What was typed stays, so it can be corrected.
    expect(price).toHaveProperty("value", "cher");

    flushSync(() => setLang("ar"));
    expect(strip(screen.getByTestId("field-error-price").textContent)).toBe(
      "يجب أن يكون السعر رقمًا، مثل 4500 أو 4 500,50",
    );
    expect(document.documentElement.dir).toBe("rtl");
    expect(document.documentElement.lang).toBe("ar");

    await user.type(price, "!");
    expect(screen.queryByTestId("field-error-price")).toBeNull();
  });

  it("shows a title validation error under the title field", async () => {
    vi.mocked(createListing).mockResolvedValue({
      status: "error",
      error: { kind: "validation", field: "title", reason: "required" },
    });
    const user = userEvent.setup();
    render(ListingForm);

    await user.click(screen.getByTestId("save-button"));

    expect((await screen.findByTestId("field-error-title")).textContent).toBe("Enter a title for the listing");
    expect(screen.queryByTestId("field-error-price")).toBeNull();
    expect(createListing).toHaveBeenCalledWith({ title: "", price: "" });
  });

  it("disables Save only while the local save is in flight", async () => {
    let finish: (outcome: Outcome<ListingView>) => void = () => {};
    vi.mocked(createListing).mockReturnValue(new Promise((resolve) => (finish = resolve)));
    const user = userEvent.setup();
    render(ListingForm);
    const button = screen.getByTestId("save-button") as HTMLButtonElement;

    expect(button.disabled).toBe(false);
    await user.type(screen.getByTestId("title-input"), "Argan{Enter}");
    expect(button.disabled).toBe(true);

    finish({ status: "ok", data: created });
    await waitFor(() => expect(button.disabled).toBe(false));
  });

  it("shows a storage failure as an alert, in the user's words", async () => {
    vi.mocked(createListing).mockResolvedValue({ status: "error", error: { kind: "storage", cause: "disk_full" } });
    const user = userEvent.setup();
    render(ListingForm);

    await user.type(screen.getByTestId("title-input"), "Argan{Enter}");

    expect(strip((await screen.findByRole("alert")).textContent)).toBe(
      "This computer's disk is full — free some space, then try again",
    );
  });
});
