// @vitest-environment jsdom
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { setLang } from "../i18n/locale.svelte";
import { autostart, connect, connection, setAutostart, type ConnectionView } from "../lib/backend";
import ConnectionPanel from "./ConnectionPanel.svelte";

vi.mock("../lib/backend", () => ({
  connect: vi.fn(),
  connection: vi.fn(),
  autostart: vi.fn(),
  setAutostart: vi.fn(),
}));

// Placeholders are wrapped in bidi isolates; compare without them.
const strip = (s: string | null) => (s ?? "").replace(/[\u2068\u2069]/g, "");

const fresh: ConnectionView = { marketUrl: null, enrolled: false, cooperative: null, codeWaiting: false };

describe("ConnectionPanel", () => {
  beforeEach(() => {
    vi.mocked(connect).mockReset();
    vi.mocked(connection).mockReset();
    vi.mocked(autostart).mockReset().mockResolvedValue({ status: "ok", data: false });
    vi.mocked(setAutostart).mockReset();
    setLang("en");
  });

  it("sends the address and code as typed and says the code waits for the next sync", async () => {
    vi.mocked(connection).mockResolvedValue({ status: "ok", data: fresh });
    vi.mocked(connect).mockResolvedValue({
      status: "ok",
      data: { marketUrl: "https://souk.example.ma", enrolled: false, cooperative: null, codeWaiting: true },
    });
    const user = userEvent.setup();
    render(ConnectionPanel, { status: null });

    await user.type(await screen.findByTestId("market-url-input"), "souk.example.ma");
    await user.type(screen.getByTestId("enroll-code-input"), "abcd-ef12");
    await user.click(screen.getByTestId("connect-button"));

    expect(connect).toHaveBeenCalledExactlyOnceWith({ marketUrl: "souk.example.ma", enrollCode: "abcd-ef12" });
    await waitFor(() =>
      expect(screen.getByTestId("connection-state").textContent).toContain("checked at the next sync"),
    );
    expect(screen.getByTestId("enroll-code-input")).toHaveProperty("value", "");
  });

  it("shows a refused field's reason under that field, in the user's language", async () => {
    vi.mocked(connection).mockResolvedValue({ status: "ok", data: fresh });
    vi.mocked(connect).mockResolvedValue({
      status: "error",
      error: { kind: "validation", field: "market_url", reason: "invalid" },
    });
    setLang("fr");
    const user = userEvent.setup();
    render(ConnectionPanel, { status: null });

    await user.type(await screen.findByTestId("market-url-input"), "ftp://x");
    await user.type(screen.getByTestId("enroll-code-input"), "ABCD-EF12");
    await user.click(screen.getByTestId("connect-button"));

    await waitFor(() =>
      expect(strip(document.body.textContent)).toContain(
        "Le champ « Adresse de la place de marché » n’est pas valide",
      ),
    );
  });

  it("once enrolled, names the marketplace and the cooperative and hides the form", async () => {
    vi.mocked(connection).mockResolvedValue({
      status: "ok",
      data: { marketUrl: "https://souk.example.ma", enrolled: true, cooperative: "تعاونية الأطلس", codeWaiting: false },
    });
    setLang("ar");
    render(ConnectionPanel, { status: null });

    await waitFor(() =>
      expect(screen.getByTestId("connection-state").textContent).toContain("تعاونية الأطلس"),
    );
    expect(screen.queryByTestId("enroll-code-input")).toBeNull();
    expect(screen.getByTestId("connection-panel").dataset.enrolled).toBe("true");
  });

  it("turns starting at login on and shows what the system says", async () => {
    vi.mocked(connection).mockResolvedValue({ status: "ok", data: fresh });
    vi.mocked(setAutostart).mockResolvedValue({ status: "ok", data: true });
    const user = userEvent.setup();
    render(ConnectionPanel, { status: null });

    const toggle = (await screen.findByTestId("autostart-toggle")) as HTMLInputElement;
    expect(toggle.checked).toBe(false);
    await user.click(toggle);
    expect(setAutostart).toHaveBeenCalledExactlyOnceWith(true);
    await waitFor(() => expect(toggle.checked).toBe(true));
  });

  it("shows a start-at-login failure next to the checkbox, also once enrolled", async () => {
    vi.mocked(connection).mockResolvedValue({
      status: "ok",
      data: { marketUrl: "https://souk.example.ma", enrolled: true, cooperative: "Atlas", codeWaiting: false },
    });
    vi.mocked(setAutostart).mockResolvedValue({ status: "error", error: { kind: "system", action: "start_at_login" } });
    const user = userEvent.setup();
    render(ConnectionPanel, { status: null });

    const toggle = (await screen.findByTestId("autostart-toggle")) as HTMLInputElement;
    await waitFor(() => expect(screen.getByTestId("connection-panel").dataset.enrolled).toBe("true"));
    await user.click(toggle);
    const error = await screen.findByTestId("autostart-error");
    expect(error.textContent).toBe("The computer refused to change starting at login — try again, or set it in the system's settings");
    expect(toggle.getAttribute("aria-describedby")).toBe(error.id);
    expect(toggle.checked).toBe(false);
  });
});
