// What the page knows: the latest status of every link, bundle and sublink from the hub, each bundle's members
// seen so far (a member that left stays, as closed), the operator session and whether the data is live.

export const state = {
  role: "",
  links: new Map(),      // name -> IspLinkStatus
  bundles: new Map(),    // name -> BundleStatus
  sublinks: new Map(),   // "bundle/name" -> SublinkStatus
  members: new Map(),    // bundle -> Map(member name -> { name, carrier }) of every member seen
  session: { operator: false, antiforgery: null },
  live: false,           // connected to the hub: false means every figure on the page is the last one known
};

export const $ = id => document.getElementById(id);

/** Remembers the members of <bundle> named by its sublinks and its status, so one that leaves can be shown closed. */
export function rememberMembers(bundleName) {
  let known = state.members.get(bundleName);
  if (!known) state.members.set(bundleName, known = new Map());
  for (const s of state.sublinks.values())
    if (s.bundle === bundleName) known.set(s.name, { name: s.name, carrier: s.carrier });
  for (const m of state.bundles.get(bundleName)?.members || [])
    if (!known.has(m)) known.set(m, { name: m, carrier: null });
  return known;
}

/** The sublink now open for a member of a bundle, if any. */
export const sublinkOf = (bundle, name) => state.sublinks.get(bundle + "/" + name);

/** The name a member is shown by: the ISP link it runs over when there is one (isp2), else its own. */
export function memberLabel(bundle, name) {
  const carrier = state.members.get(bundle)?.get(name)?.carrier;
  // a receiver's members arrive over UDP from an address, which is already their name
  return carrier && !carrier.startsWith("udp") ? carrier : name;
}
