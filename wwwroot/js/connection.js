// The hub connection: a snapshot on connect, then batched updates; it reconnects by itself, forever, and says so
// meanwhile (and the cards and charts show that what they hold is not live).
import { $, state } from "./state.js";

export function connect({ onSnapshot, onUpdate, onLiveChanged }) {
  const connection = new signalR.HubConnectionBuilder()
    .withUrl("hub/status")
    .withAutomaticReconnect({ nextRetryDelayInMilliseconds: ctx => Math.min(5000, 500 * (ctx.previousRetryCount + 1)) })
    .build();
  connection.on("Snapshot", s => { onSnapshot(s); setLive(true); });
  connection.on("Update", onUpdate);

  function show(cls, text) {
    const c = $("connection");
    c.className = "connection " + cls;
    c.textContent = text;
  }

  function setLive(live) {
    if (live) show("live", "live");
    else show("disconnected", "disconnected – reconnecting…");
    if (state.live === live) return;
    state.live = live;
    onLiveChanged(live);
  }

  // "live" only once the snapshot is in: until then the page holds nothing current.
  connection.onreconnecting(() => setLive(false));
  connection.onclose(() => { setLive(false); start(); });

  async function start() {
    for (let attempt = 0; ; attempt++) {
      try {
        await connection.start();
        return;
      } catch {
        setLive(false);
        await new Promise(r => setTimeout(r, Math.min(5000, 500 * (attempt + 1))));
      }
    }
  }
  return start();
}
