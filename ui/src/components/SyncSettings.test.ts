// @vitest-environment jsdom
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { setLang } from "../i18n/locale.svelte";
import { setSyncSettings, syncSettings, type SyncSettingsView } from "../lib/backend";
import SyncSettings from "./SyncSettings.svelte";

vi.mock("../lib/backend", () => ({ syncSettings: vi.fn(), setSyncSettings: vi.fn() }));

const strip = (s: string | null) => (s ?? "").replace(/[\u2068\u2069]/g, "");
const view = (over: Partial<SyncSettingsView> = {}): SyncSettingsView => ({
  paused: false,
  metered: null,
  dailyBudgetMb: null,
  usedTodayBytes: 12_340_000,
  ...over,
});

describe("SyncSettings", () => {
  beforeEach(() => {
    vi.mocked(syncSettings).mockReset().mockResolvedValue({ status: "ok", data: view() });
    vi.mocked(setSyncSettings).mockReset();
    setLang("en");
  });

  it("pauses sync at once and shows what sync used today", async () => {
    vi.mocked(setSyncSettings).mockResolvedValue({ status: "ok", data: view({ paused: true }) });
    const user = userEvent.setup();
    render(SyncSettings, { status: null });
    expect(strip((await screen.findByTestId("sync-used-today")).textContent)).toBe("Used today: 12.3 MB");
    await user.click(screen.getByTestId("sync-paused-toggle"));
    expect(setSyncSettings).toHaveBeenCalledExactlyOnceWith({ paused: true, metered: null, dailyBudgetMb: "" });
    await waitFor(() => expect((screen.getByTestId("sync-paused-toggle") as HTMLInputElement).checked).toBe(true));
  });

  it("says a metered link in the user's language and sends the choice", async () => {
    setLang("ar");
    vi.mocked(setSyncSettings).mockResolvedValue({ status: "ok", data: view({ metered: true }) });
    const user = userEvent.setup();
    render(SyncSettings, { status: null });
    const select = (await screen.findByTestId("sync-metered")) as HTMLSelectElement;
    expect([...select.options].map((o) => o.text)).toContain("حسب ما يقوله النظام");
    await user.selectOptions(select, "yes");
    expect(setSyncSettings).toHaveBeenCalledWith({ paused: false, metered: true, dailyBudgetMb: "" });
    expect(strip(screen.getByTestId("sync-used-today").textContent)).toBe("المستهلك اليوم: 12,3 ميغابايت");
  });

  it("sets a daily limit as typed, and shows a refused one under its field", async () => {
    vi.mocked(setSyncSettings).mockResolvedValueOnce({
      status: "error",
      error: { kind: "validation", field: "daily_budget", reason: "not_a_number" },
    });
    setLang("fr");
    const user = userEvent.setup();
    render(SyncSettings, { status: null });
    const input = await screen.findByTestId("sync-budget-input");
    await user.type(input, "cinquante");
    await user.click(screen.getByTestId("sync-budget-save"));
    const error = await screen.findByTestId("field-error-sync-budget");
    expect(strip(error.textContent)).toBe("Le champ « Limite de données par jour (Mo) » doit être un nombre");
    expect(input.getAttribute("aria-describedby")).toBe(error.id);

    vi.mocked(setSyncSettings).mockResolvedValueOnce({ status: "ok", data: view({ dailyBudgetMb: 50 }) });
    await user.clear(input);
    await user.type(input, "٥٠");
    await user.click(screen.getByTestId("sync-budget-save"));
    expect(setSyncSettings).toHaveBeenLastCalledWith({ paused: false, metered: null, dailyBudgetMb: "٥٠" });
    await waitFor(() => expect((input as HTMLInputElement).value).toBe("50"));
    expect(screen.queryByTestId("field-error-sync-budget")).toBeNull();
  });
});
