// The receiver cluster (issue 14): every node's address, status and reachability, which is the leader, and what its
// receiver holds (UDP address, sublinks, bundles), from GET /api/cluster. The section stays hidden on a process that runs alone.
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
    const unknown = "–"; // the node did not say (unreachable, or its receiver did not answer in time)
    const cells = [
      ["node", n.address + (n.self ? " (this node)" : "")],
      ["status", n.status],
      ["reachability", n.reachable ? "reachable" : "unreachable"],
      ["leader", n.address === c.leader ? "leader" : ""],
      ["listen", n.listen ?? unknown],
      ["sublinks", n.sublinks ?? unknown],
      ["bundles", n.bundles ?? unknown],
    ];
    for (const [field, text] of cells) {
      const td = document.createElement("td");
      td.dataset.field = field;
      td.textContent = text;
      tr.append(td);
    }
    return tr;
  });
  $("cluster-nodes").tBodies[0].replaceChildren(...rows);
  const up = c.nodes.filter(n => n.status === "Up" && n.reachable).length;
  const sum = key => c.nodes.reduce((total, n) => total + (n[key] ?? 0), 0);
  const plural = (count, word) => `${count} ${word}${count === 1 ? "" : "s"}`;
  const figures = `${up} of ${plural(c.nodes.length, "node")} up and reachable, ${plural(sum("bundles"), "bundle")}, ${plural(sum("sublinks"), "sublink")}`;
  // A downed node is out of the cluster but its receiver goes on: say so first, in words the operator can act on.
  $("cluster-state").textContent = c.downed ? `${c.note}. This node holds ${plural(sum("bundles"), "bundle")}, ${plural(sum("sublinks"), "sublink")}` : figures;
  $("cluster-state").classList.toggle("muted", !c.downed);
  $("cluster-state").classList.toggle("warning", c.downed);
}
