// @vitest-environment jsdom
import { render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { setLang } from "../i18n/locale.svelte";
import { sendPhotosNow, syncNow } from "../lib/backend";
import StatusBar from "./StatusBar.svelte";
import { syncStatus as status } from "../test/syncStatus";

vi.mock("../lib/backend", () => ({
  syncNow: vi.fn(),
  sendPhotosNow: vi.fn(),
}));


const strip = (s: string | null) => (s ?? "").replace(/[\u2068\u2069]/g, "");

describe("StatusBar", () => {
  beforeEach(() => {
    vi.mocked(syncNow).mockReset();
    vi.mocked(sendPhotosNow).mockReset().mockResolvedValue({ status: "ok", data: null });
    setLang("en");
  });

  it("shows photos on their way: megabytes, rate and time left", () => {
    render(StatusBar, {
      status: status({
        connection: "syncing",
        uploading: { bytesSent: 1_200_000, bytesTotal: 4_500_000, rateBytesPerS: 120_000, secondsLeft: 185 },
      }),
      error: null,
    });
    expect(strip(screen.getByTestId("uploading").textContent).replace(/\s+/g, " ").trim()).toBe(
      "Sending photos: 1.2 of 4.5 MB · 120 KB/s · about 3 minutes left",
    );
  });

  it("says no time left until the rate is known", () => {
    render(StatusBar, {
      status: status({ uploading: { bytesSent: 0, bytesTotal: 300_000, rateBytesPerS: null, secondsLeft: null } }),
      error: null,
    });
    const text = strip(screen.getByTestId("uploading").textContent);
    expect(text).toContain("0 of 0.3 MB");
    expect(text).not.toContain("KB/s");
    expect(text).not.toContain("left");
  });

  it("says when the day's budget is spent, with what waits, and announces it", () => {
    render(StatusBar, { status: status({ budgetReached: true, photoMbWaiting: 12.4 }), error: null });
    expect(strip(screen.getByTestId("budget-reached").textContent)).toContain("up to 12.4 MB of photos");
    expect(strip(screen.getByTestId("sync-announce").textContent)).toContain("data budget is spent");
  });

  it("on a metered link counts the held photos in Arabic and sends them on request", async () => {
    setLang("ar");
    const user = userEvent.setup();
    render(StatusBar, { status: status({ photosHeld: 2, photoMbWaiting: 0.6 }), error: null });
    const held = screen.getByTestId("photos-held");
    expect(held.dataset.count).toBe("2");
    expect(strip(held.textContent)).toContain("صورتان كاملتان");
    await user.click(screen.getByTestId("send-photos-now"));
    expect(sendPhotosNow).toHaveBeenCalledOnce();
    expect(syncNow).not.toHaveBeenCalled();
  });

  it("shows nothing of budgets or held photos when there are none", () => {
    render(StatusBar, { status: status(), error: null });
    expect(screen.queryByTestId("budget-reached")).toBeNull();
    expect(screen.queryByTestId("photos-held")).toBeNull();
    expect(screen.queryByTestId("send-photos-now")).toBeNull();
    expect(screen.queryByTestId("uploading")).toBeNull();
  });
});
