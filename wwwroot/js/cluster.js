// The receiver cluster (issue 14): every node's address, status and reachability, and which is the leader, from
// GET /api/cluster. The section stays hidden on a process that runs alone.
import { $ } from "./state.js";

let enabled = null; // unknown until the first answer

export async function refreshCluster() {
  if (enabled === false) return;
  let c;
  try {
    const r = await fetch("api/cluster", { headers: { Accept: "application/json" } });
    if (!r.ok) return;
    c = await r.json();
  } catch {
    return; // the connection banner says when the server is away
  }
  enabled = c.enabled;
  $("cluster-section").hidden = !c.enabled;
  if (!c.enabled) return;
  const rows = c.nodes.map(n => {
    const tr = document.createElement("tr");
    tr.dataset.address = n.address;
    tr.className = n.reachable ? "" : "unreachable";
    const cells = [
      n.address + (n.self ? " (this node)" : ""),
      n.status,
      n.reachable ? "reachable" : "unreachable",
      n.address === c.leader ? "leader" : "",
      n.roles.join(", "),
    ];
    for (const text of cells) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.append(td);
    }
    return tr;
  });
  $("cluster-nodes").tBodies[0].replaceChildren(...rows);
  const up = c.nodes.filter(n => n.status === "Up" && n.reachable).length;
  $("cluster-state").textContent = `${up} of ${c.nodes.length} node${c.nodes.length === 1 ? "" : "s"} up and reachable`;
}
