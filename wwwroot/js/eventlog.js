// The event log: every line the actors write (links' dial attempts and results, redial waits, keepalive failures,
// operator commands with who and from where, bundle membership), newest first, with date and time.
import { $ } from "./state.js";
import { fmtDateTime } from "./format.js";

const CAPACITY = 500;

export function addLog(entries) {
  const list = $("log");
  for (const e of entries) {
    const li = document.createElement("li");
    li.className = e.level.toLowerCase();
    const time = document.createElement("time");
    time.dateTime = e.time;
    time.textContent = fmtDateTime(e.time);
    const source = document.createElement("span");
    source.className = "source";
    source.textContent = e.source;
    li.append(time, " ", source, `: ${e.message}`);
    list.insertBefore(li, list.firstChild);
  }
  while (list.children.length > CAPACITY) list.lastChild.remove();
}

export const clearLog = () => $("log").replaceChildren();
