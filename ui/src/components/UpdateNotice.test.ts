// @vitest-environment jsdom
import { render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { setLang } from "../i18n/locale.svelte";
import { downloadUpdateNow, installUpdate } from "../lib/backend";
import StatusBar from "./StatusBar.svelte";
import { syncStatus as status } from "../test/syncStatus";

vi.mock("../lib/backend", () => ({
  syncNow: vi.fn(),
  sendPhotosNow: vi.fn(),
  installUpdate: vi.fn(),
  downloadUpdateNow: vi.fn(),
}));

const strip = (s: string | null) => (s ?? "").replace(/[\u2068\u2069]/g, "").replace(/\s+/g, " ").trim();

const update = (over: Partial<NonNullable<ReturnType<typeof status>["update"]>>) => ({
  state: "ready" as const,
  version: "0.2.0",
  notes: {},
  mbHave: null,
  mbTotal: null,
  ...over,
});

describe("UpdateNotice", () => {
  beforeEach(() => {
    vi.mocked(installUpdate).mockReset().mockResolvedValue({ status: "ok", data: null });
    vi.mocked(downloadUpdateNow).mockReset().mockResolvedValue({ status: "ok", data: null });
    setLang("en");
  });

  it("shows nothing when there is no update", () => {
    render(StatusBar, { status: status(), error: null });
    expect(screen.queryByTestId("update")).toBeNull();
  });

  it("asks before restarting into a ready update, with the notes in the window's language", async () => {
    setLang("fr");
    const user = userEvent.setup();
    render(StatusBar, {
      status: status({ update: update({ notes: { ar: "تصحيحات", fr: "Étiquettes de prix", en: "Price labels" } }) }),
      error: null,
    });
    const notice = screen.getByTestId("update");
    expect(notice.dataset.state).toBe("ready");
    expect(strip(notice.textContent)).toContain("La version 0.2.0 de Hanout est prête");
    expect(strip(notice.textContent)).toContain("Étiquettes de prix");
    expect(strip(notice.textContent)).not.toContain("Price labels");
    expect(installUpdate).not.toHaveBeenCalled();
    await user.click(screen.getByTestId("update-restart"));
    expect(installUpdate).toHaveBeenCalledTimes(1);
  });

  it("says why an install failed, in the manager's language", async () => {
    setLang("ar");
    vi.mocked(installUpdate).mockResolvedValue({
      status: "error",
      error: { kind: "system", action: "install_update" },
    });
    const user = userEvent.setup();
    render(StatusBar, { status: status({ update: update({}) }), error: null });
    await user.click(screen.getByTestId("update-restart"));
    expect(strip(screen.getByTestId("update").textContent)).toContain("تعذّر تثبيت الإصدار الجديد");
  });

  it("counts a download in megabytes", () => {
    render(StatusBar, {
      status: status({ update: update({ state: "downloading", mbHave: 3.1, mbTotal: 14.2 }) }),
      error: null,
    });
    expect(strip(screen.getByTestId("update").textContent)).toBe(
      "Downloading version 0.2.0 of Hanout: 3.1 of 14.2 MB",
    );
  });

  it("on a metered link waits, and downloads on request", async () => {
    const user = userEvent.setup();
    render(StatusBar, { status: status({ update: update({ state: "held", mbTotal: 14.2 }) }), error: null });
    expect(strip(screen.getByTestId("update").textContent)).toContain("(14.2 MB) waits for a connection that is not metered");
    await user.click(screen.getByTestId("update-download-now"));
    expect(downloadUpdateNow).toHaveBeenCalledTimes(1);
  });

  it("says a refused update is refused and offers nothing to install", () => {
    render(StatusBar, { status: status({ update: update({ state: "refused" }) }), error: null });
    expect(strip(screen.getByTestId("update").textContent)).toContain("does not match its signature");
    expect(screen.queryByTestId("update-restart")).toBeNull();
  });
});
