// keepalived's non-accept mode as nftables rules, rendered as an nft script. Pure:
// the state in, the script and the next state out; no kernel here.
//
// A VRRP instance that is not the address owner and runs without `accept`
// (`no_accept`, or strict mode's default) must not take traffic addressed to its
// VIPs (RFC 5798 §6.4.3). keepalived 2.2.7 (vrrp_nftables.c) does it with one table
// per family:
//
//   table ip keepalived {
//     set vips { type ipv4_addr; }
//     chain in  { type filter hook input  priority -1; policy accept; ip daddr @vips drop }
//     chain out { type filter hook output priority -1; policy accept; ip saddr @vips drop }
//   }
//
// and for IPv6 the same, after accepting neighbour solicitations/adverts, with
// link-local VIPs matched with their interface (`ip6 daddr . iif @vips_link_local`).
// A table is created (replacing any left-over one of that name) when its family's
// first address is blocked and stays until Teardown, as keepalived keeps it until
// it exits.
#pragma once

#include <compare>
#include <set>
#include <string>

#include "lib/net/ip_address.h"

namespace lvs::vrrp {

// GlobalDefs.vrrp_firewall, whose defaults (table "keepalived", priority -1) the
// config reader fills in.
struct FirewallSettings {
  std::string table;      // nftables NAME
  int priority = 0;       // nftables_priority
  bool counters = false;  // nftables_counters
};

// One address whose traffic is dropped. A link-local IPv6 address is only itself
// with its interface, so it carries the interface's index; others carry 0.
struct BlockedAddress {
  net::IpAddress address;
  unsigned ifindex = 0;
  friend auto operator<=>(const BlockedAddress&, const BlockedAddress&) = default;
};

// True for fe80::/10, the addresses keepalived matches with their interface.
bool IsLinkLocalV6(const net::IpAddress& address);

struct FirewallState {
  bool ipv4_table = false, ipv6_table = false;  // created by us, so ours to delete
  std::set<BlockedAddress> blocked;
  friend bool operator==(const FirewallState&, const FirewallState&) = default;
};

struct FirewallChange {
  std::string script;  // nft commands, one per line; empty: nothing to do
  FirewallState next;  // the state once the script has been applied
};

// What takes the kernel from `now` to blocking exactly `wanted`.
FirewallChange PlanFirewall(const FirewallSettings& settings, const FirewallState& now,
                            const std::set<BlockedAddress>& wanted);

// Deletes any table of the settings' name in either family, whoever made it: run
// once before first use, so the tables a vrrpd killed with -9 left cannot go on
// dropping the VIPs' traffic when the new config needs no rules (keepalived
// replaces a left-over table only when it next needs one).
FirewallChange ClearLeftOverFirewall(const FirewallSettings& settings);

// Deletes the tables `now` created (at exit, as keepalived does).
FirewallChange TeardownFirewall(const FirewallSettings& settings, const FirewallState& now);

}  // namespace lvs::vrrp
