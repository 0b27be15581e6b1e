#include "services/vrrpd/vip_firewall.h"

#include "absl/strings/str_cat.h"

namespace lvs::vrrp {
namespace {

// The table, its base chains, sets and rules for one family (keepalived's
// nft_setup_ipv4_vips / nft_setup_ipv6_vips), after deleting any left-over table:
// "add" then "delete" is valid whether or not one exists. The table name goes in
// bare: nft 1.0 reads no other form, and the config reader admits only identifiers.
void AppendSetup(const FirewallSettings& s, bool v6, std::string& out) {
  const std::string family = v6 ? "ip6" : "ip";
  const std::string t = absl::StrCat(family, " ", s.table);
  const std::string drop = s.counters ? "counter drop" : "drop";
  const std::string accept = s.counters ? "counter accept" : "accept";
  absl::StrAppend(&out, "add table ", t, "\n", "delete table ", t, "\n", "add table ", t, "\n");
  for (const char* chain : {"in", "out"}) {
    absl::StrAppend(&out, "add chain ", t, " ", chain, " { type filter hook ",
                    chain == std::string("in") ? "input" : "output", " priority ", s.priority,
                    "; policy accept; }\n");
  }
  const std::string addr = v6 ? "ip6" : "ip";
  absl::StrAppend(&out, "add set ", t, " vips { type ", v6 ? "ipv6_addr" : "ipv4_addr", "; }\n");
  if (v6) {
    absl::StrAppend(&out, "add chain ", t, " in_link_local\n", "add chain ", t,
                    " out_link_local\n");
    absl::StrAppend(&out, "add set ", t,
                    " neighbor-discovery { type icmpv6_type; flags constant; elements = { "
                    "nd-neighbor-solicit, nd-neighbor-advert }; }\n");
    absl::StrAppend(&out, "add set ", t, " vips_link_local { type ipv6_addr . iface_index; }\n");
    absl::StrAppend(&out, "add rule ", t, " in icmpv6 type @neighbor-discovery ", accept, "\n");
    absl::StrAppend(&out, "add rule ", t, " in ip6 daddr fe80::/10 goto in_link_local\n");
    absl::StrAppend(&out, "add rule ", t, " out icmpv6 type @neighbor-discovery ", accept, "\n");
    absl::StrAppend(&out, "add rule ", t, " out ip6 saddr fe80::/10 goto out_link_local\n");
  }
  absl::StrAppend(&out, "add rule ", t, " in ", addr, " daddr @vips ", drop, "\n");
  absl::StrAppend(&out, "add rule ", t, " out ", addr, " saddr @vips ", drop, "\n");
  if (v6) {
    absl::StrAppend(&out, "add rule ", t, " in_link_local ip6 daddr . iif @vips_link_local ", drop,
                    "\n");
    absl::StrAppend(&out, "add rule ", t, " out_link_local ip6 saddr . oif @vips_link_local ", drop,
                    "\n");
  }
}

std::string Element(const FirewallSettings& s, const char* verb, const BlockedAddress& b) {
  const bool v6 = !b.address.is_v4();
  const bool link_local = v6 && IsLinkLocalV6(b.address);
  return absl::StrCat(verb, " element ", v6 ? "ip6 " : "ip ", s.table,
                      link_local ? " vips_link_local { " : " vips { ", b.address.ToString(),
                      link_local ? absl::StrCat(" . ", b.ifindex) : "", " }\n");
}

}  // namespace

bool IsLinkLocalV6(const net::IpAddress& address) {
  if (address.is_v4()) return false;
  const auto b = address.bytes();
  return b[0] == 0xfe && (b[1] & 0xc0) == 0x80;
}

FirewallChange PlanFirewall(const FirewallSettings& settings, const FirewallState& now,
                            const std::set<BlockedAddress>& wanted) {
  FirewallChange change{.script = "", .next = now};
  bool need_v4 = false, need_v6 = false;
  for (const BlockedAddress& b : wanted) (b.address.is_v4() ? need_v4 : need_v6) = true;
  if (need_v4 && !now.ipv4_table) {
    AppendSetup(settings, false, change.script);
    change.next.ipv4_table = true;
  }
  if (need_v6 && !now.ipv6_table) {
    AppendSetup(settings, true, change.script);
    change.next.ipv6_table = true;
  }
  for (const BlockedAddress& b : now.blocked) {
    if (!wanted.count(b)) absl::StrAppend(&change.script, Element(settings, "delete", b));
  }
  for (const BlockedAddress& b : wanted) {
    if (!now.blocked.count(b)) absl::StrAppend(&change.script, Element(settings, "add", b));
  }
  change.next.blocked = wanted;
  return change;
}

FirewallChange ClearLeftOverFirewall(const FirewallSettings& settings) {
  FirewallChange change;
  for (const char* family : {"ip", "ip6"}) {
    absl::StrAppend(&change.script, "add table ", family, " ", settings.table, "\n",
                    "delete table ", family, " ", settings.table, "\n");
  }
  return change;
}

FirewallChange TeardownFirewall(const FirewallSettings& settings, const FirewallState& now) {
  FirewallChange change;
  if (now.ipv4_table) absl::StrAppend(&change.script, "delete table ip ", settings.table, "\n");
  if (now.ipv6_table) absl::StrAppend(&change.script, "delete table ip6 ", settings.table, "\n");
  return change;
}

}  // namespace lvs::vrrp
