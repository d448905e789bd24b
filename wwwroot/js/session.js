// The operator's session (cookie login through the REST API) and the commands it allows: Dial, Down and Drop, and a
// member's Backup / Primary.
import { $, state } from "./state.js";
import { updateButtons, handleCommands } from "./cards.js";
import { addLog } from "./eventlog.js";

export async function refreshSession() {
  try {
    const r = await fetch("api/session", { headers: { "X-Requested-With": "fetch" } });
    if (r.ok) state.session = await r.json();
  } catch { /* the connection banner already says we are disconnected */ }
  showSession();
}

function showSession() {
  $("login").hidden = state.session.operator;
  $("session").hidden = !state.session.operator;
  updateButtons();
}

export async function post(url, body) {
  const headers = { "X-Requested-With": "fetch", "Content-Type": "application/json" };
  if (state.session.antiforgery) headers["X-CSRF-TOKEN"] = state.session.antiforgery;
  return fetch(url, { method: "POST", headers, body: body ? JSON.stringify(body) : undefined });
}

async function command(name, verb) {
  const r = await post(`api/links/${encodeURIComponent(name)}/${verb}`);
  if (r.status === 401 || r.status === 403) { state.session.operator = false; showSession(); }
  if (!r.ok) addLog([{ time: new Date().toISOString(), source: name, level: "Error", message: `${verb} refused: HTTP ${r.status}` }]);
}

// Drop (FreeBSD ppp's close) says goodbye (LCP Terminate) and keeps the link down; Down (FreeBSD's down) drops the line at once, and it stays down too.
const questions = {
  drop: { verb: "close", button: "Drop", text: name => `Drop ${name}? The bundle carries on over the other links; ${name} stays down until you dial it.` },
  down: { verb: "down", button: "Down", text: name => `Take ${name} down? The line is dropped at once, without LCP's goodbye, and stays down until dialled.` },
};

function confirmThen(name, action) {
  const q = questions[action], dialog = $("confirm");
  $("confirm-text").textContent = q.text(name);
  $("confirm-ok").textContent = q.button;
  dialog.returnValue = "";
  dialog.onclose = () => { if (dialog.returnValue === "ok") command(name, q.verb); };
  dialog.showModal();
}

/** A member becomes a backup (data only while no primary is up) or a primary again; the row shows it on the next update. */
async function setPolicy(bundle, member, backup) {
  const r = await post(`api/bundles/${encodeURIComponent(bundle)}/members/${encodeURIComponent(member)}/policy`, { backup });
  if (r.status === 401 || r.status === 403) { state.session.operator = false; showSession(); }
  if (!r.ok) addLog([{ time: new Date().toISOString(), source: bundle, level: "Error", message: `policy of ${member} refused: HTTP ${r.status}` }]);
}

handleCommands((name, action) => action === "dial" ? command(name, "dial") : confirmThen(name, action), setPolicy);

/** After logging in, the keyboard goes to the first control the login unlocked (else Log out), not the page's body. */
function focusAfterLogin() {
  const first = [...document.querySelectorAll(".card.link [data-action]")].find(b => !b.disabled);
  (first || $("logout")).focus();
}

export function wireLogin() {
  $("login").addEventListener("submit", async ev => {
    ev.preventDefault();
    $("login-error").textContent = "";
    const r = await post("api/login", { password: $("password").value });
    if (r.ok) {
      state.session = await r.json();
      $("password").value = "";
      showSession();
      focusAfterLogin();
    } else {
      $("login-error").textContent = r.status === 429
        ? `too many failed logins: try again in ${r.headers.get("Retry-After") || 60} s` : "wrong password";
    }
  });
  $("logout").addEventListener("click", async () => {
    await post("api/logout");
    await refreshSession();
    $("password").focus();
  });
}
