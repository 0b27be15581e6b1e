// The nft scripts of non-accept mode, against keepalived 2.2.7's rules
// (vrrp_nftables.c), and the diff from one set of blocked VIPs to the next.
#include <catch2/catch.hpp>

#include "services/vrrpd/vip_firewall.h"

namespace lvs::vrrp {
namespace {

// What the config reader resolves when the file says nothing.
const FirewallSettings kDefaults{.table = "keepalived", .priority = -1};

BlockedAddress Block(const char* text, unsigned ifindex = 0) {
  return {.address = *net::IpAddress::Parse(text), .ifindex = ifindex};
}

bool Has(const std::string& script, const std::string& line) {
  return script.find(line + "\n") != std::string::npos;
}

TEST_CASE("the first IPv4 VIP makes keepalived's table afresh, then adds the element") {
  const FirewallChange c = PlanFirewall(kDefaults, {}, {Block("10.0.0.1")});
  CHECK(c.script.rfind(
            "add table ip keepalived\ndelete table ip keepalived\nadd table ip keepalived\n", 0) ==
        0);
  CHECK(Has(c.script,
            "add chain ip keepalived in { type filter hook input priority -1; policy accept; }"));
  CHECK(Has(c.script,
            "add chain ip keepalived out { type filter hook output priority -1; policy accept; }"));
  CHECK(Has(c.script, "add set ip keepalived vips { type ipv4_addr; }"));
  CHECK(Has(c.script, "add rule ip keepalived in ip daddr @vips drop"));
  CHECK(Has(c.script, "add rule ip keepalived out ip saddr @vips drop"));
  CHECK(Has(c.script, "add element ip keepalived vips { 10.0.0.1 }"));
  CHECK(c.script.find("ip6") == std::string::npos);
  CHECK(c.next.ipv4_table);
  CHECK_FALSE(c.next.ipv6_table);
  CHECK(c.next.blocked.size() == 1);
}

TEST_CASE("later changes only add and delete elements; the table stays when empty") {
  const FirewallChange first = PlanFirewall(kDefaults, {}, {Block("10.0.0.1"), Block("10.0.0.2")});
  const FirewallChange second =
      PlanFirewall(kDefaults, first.next, {Block("10.0.0.2"), Block("10.0.0.3")});
  CHECK(second.script ==
        "delete element ip keepalived vips { 10.0.0.1 }\n"
        "add element ip keepalived vips { 10.0.0.3 }\n");
  const FirewallChange empty = PlanFirewall(kDefaults, second.next, {});
  CHECK(empty.script ==
        "delete element ip keepalived vips { 10.0.0.2 }\n"
        "delete element ip keepalived vips { 10.0.0.3 }\n");
  CHECK(empty.next.ipv4_table);
  CHECK(PlanFirewall(kDefaults, empty.next, {}).script.empty());
  CHECK(TeardownFirewall(kDefaults, empty.next).script == "delete table ip keepalived\n");
  CHECK(TeardownFirewall(kDefaults, {}).script.empty());
}

TEST_CASE("IPv6: neighbour discovery passes, link-local VIPs are matched with their interface") {
  const FirewallChange c = PlanFirewall(kDefaults, {}, {Block("2001:db8::1"), Block("fe80::1", 3)});
  CHECK(Has(c.script, "add rule ip6 keepalived in icmpv6 type @neighbor-discovery accept"));
  CHECK(Has(c.script, "add rule ip6 keepalived in ip6 daddr fe80::/10 goto in_link_local"));
  CHECK(
      Has(c.script, "add rule ip6 keepalived in_link_local ip6 daddr . iif @vips_link_local drop"));
  CHECK(Has(c.script,
            "add rule ip6 keepalived out_link_local ip6 saddr . oif @vips_link_local drop"));
  CHECK(Has(c.script, "add element ip6 keepalived vips { 2001:db8::1 }"));
  CHECK(Has(c.script, "add element ip6 keepalived vips_link_local { fe80::1 . 3 }"));
  CHECK(c.next.ipv6_table);
  CHECK_FALSE(c.next.ipv4_table);
  CHECK(IsLinkLocalV6(*net::IpAddress::Parse("febf::1")));
  CHECK_FALSE(IsLinkLocalV6(*net::IpAddress::Parse("fec0::1")));
  CHECK_FALSE(IsLinkLocalV6(*net::IpAddress::Parse("10.0.0.1")));
}

TEST_CASE("nftables NAME, nftables_priority and nftables_counters shape the rules") {
  const FirewallSettings s{.table = "lvs_fw", .priority = -5, .counters = true};
  const FirewallChange c = PlanFirewall(s, {}, {Block("10.0.0.1")});
  CHECK(Has(c.script,
            "add chain ip lvs_fw in { type filter hook input priority -5; policy accept; }"));
  CHECK(Has(c.script, "add rule ip lvs_fw in ip daddr @vips counter drop"));
  CHECK(Has(c.script, "add element ip lvs_fw vips { 10.0.0.1 }"));
}

TEST_CASE("a left-over table of the name is cleared in both families, present or not") {
  const FirewallSettings s{.table = "keepalived", .priority = -1, .counters = false};
  const FirewallChange c = ClearLeftOverFirewall(s);
  CHECK(c.script ==
        "add table ip keepalived\ndelete table ip keepalived\n"
        "add table ip6 keepalived\ndelete table ip6 keepalived\n");
  CHECK(c.next == FirewallState{});
}

}  // namespace
}  // namespace lvs::vrrp
