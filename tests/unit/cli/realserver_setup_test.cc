#include "services/cli/realserver_setup.h"

#include <catch2/catch.hpp>

using lvs::cli::CheckRealServer;
using lvs::cli::RealServerObservation;

namespace {
RealServerObservation Healthy() {
  RealServerObservation seen;
  seen.vip = "192.168.64.100";
  seen.vip_on_lo = true;
  seen.vip_prefix_on_lo = 32;
  for (const auto& s : lvs::cli::RealServerSysctls()) seen.sysctls.emplace_back(s.name, s.dr_value);
  return seen;
}
}  // namespace

TEST_CASE("a real server set up as the reference deployment's section 2.2 has no findings") {
  CHECK(CheckRealServer(Healthy()).empty());
}

TEST_CASE("every planted fault is found, each with its fix") {
  auto seen = Healthy();
  seen.vip_on_lo = false;
  seen.lo_up = false;
  seen.sysctls[0].second = "0";  // lo.arp_ignore
  seen.sysctls[3].second = "1";  // all.arp_announce
  seen.sysctls[4].second = "1";  // all.rp_filter
  auto findings = CheckRealServer(seen);
  REQUIRE(findings.size() == 5);
  CHECK(findings[0].fix == "ip link set lo up");
  CHECK(findings[1].fix == "ip addr add 192.168.64.100/32 dev lo");
  CHECK(findings[2].fix == "sysctl -w net.ipv4.conf.lo.arp_ignore=1");
  CHECK(findings[3].fix == "sysctl -w net.ipv4.conf.all.arp_announce=2");
  CHECK(findings[4].fix == "sysctl -w net.ipv4.conf.all.rp_filter=0");
  CHECK(findings[2].problem.rfind("net.ipv4.conf.lo.arp_ignore is 0, needs 1", 0) == 0);
}

TEST_CASE("a VIP on lo with a wider prefix is a finding") {
  auto seen = Healthy();
  seen.vip_prefix_on_lo = 24;
  auto findings = CheckRealServer(seen);
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].fix ==
        "ip addr del 192.168.64.100/24 dev lo && ip addr add 192.168.64.100/32 dev lo");
}

TEST_CASE("the sysctl path is the dotted name under /proc/sys") {
  CHECK(lvs::cli::SysctlPath("net.ipv4.conf.lo.arp_ignore") ==
        "/proc/sys/net/ipv4/conf/lo/arp_ignore");
}
