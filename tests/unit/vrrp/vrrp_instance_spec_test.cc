// keepalived.conf -> what vrrpd runs: the seed's configs, defaults, and refusals.
#include "services/vrrpd/vrrp_instance_spec.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "lib/config/config_parser.h"
#include "tests/unit/fixtures.h"

namespace lvs::vrrp {
namespace {

v1::Config Parse(const std::string& text) {
  config::ParseResult r = config::ParseString(text, "test.conf");
  INFO(config::FormatDiagnostics(r.diagnostics));
  REQUIRE(r.ok());
  return r.config;
}

using lvs::testing::ReadFixture;

std::string Instance(const std::string& body, const std::string& globals = "") {
  return "global_defs {\n" + globals +
         "\n}\nvrrp_instance VI_1 {\n interface ens160\n"
         " virtual_router_id 51\n" +
         body + "\n virtual_ipaddress {\n  192.168.64.100/32\n }\n}\n";
}

TEST_CASE("the seed's master config becomes the instance keepalived runs") {
  auto specs = InstanceSpecsFromConfig(Parse(ReadFixture("seed-master.conf")));
  REQUIRE(specs.ok());
  REQUIRE(specs->size() == 1);
  const InstanceSpec& s = specs->front();
  CHECK(s.vrrp.name == "VI_1");
  CHECK(s.interface == "ens160");
  CHECK(s.vrrp.vrid == 51);
  CHECK(s.vrrp.priority == 100);
  CHECK(s.vrrp.version == 2);
  CHECK(s.vrrp.advert_int == absl::Seconds(1));
  CHECK(s.vrrp.preempt);
  CHECK(s.vrrp.garp_master_repeat == 5);
  CHECK(s.vrrp.garp_master_delay == absl::Seconds(5));
  CHECK(s.auth_type == VrrpAuthType::kPass);
  CHECK(s.auth_data == PassAuthData("1111"));
  REQUIRE(s.vips.size() == 1);
  CHECK(s.vips[0].ToString() == "192.168.64.100/32 dev ens160 label ens160:vip");
  CHECK(!s.unicast());
  const InstanceExpectation e = s.Expectation();
  CHECK(e.advert_int_cs == 100);
  CHECK(e.vrid == 51);
}

TEST_CASE("the seed's backup differs only in priority") {
  auto m = InstanceSpecsFromConfig(Parse(ReadFixture("seed-master.conf")));
  auto b = InstanceSpecsFromConfig(Parse(ReadFixture("seed-backup.conf")));
  REQUIRE(b.ok());
  CHECK(b->front().vrrp.priority == 90);
  CHECK(b->front().vips == m->front().vips);
}

TEST_CASE("v3 at 0.1 s, IPv6 runs as v3, unicast peers, nopreempt") {
  auto v3 = InstanceSpecsFromConfig(Parse(Instance(" advert_int 0.1", " vrrp_version 3")));
  REQUIRE(v3.ok());
  CHECK(v3->front().vrrp.version == 3);
  CHECK(v3->front().Expectation().advert_int_cs == 10);

  auto v6 =
      InstanceSpecsFromConfig(Parse("vrrp_instance V6 {\n interface ens160\n virtual_router_id 7\n"
                                    " virtual_ipaddress {\n  fd00:64::100/64 dev ens160\n }\n}\n"));
  REQUIRE(v6.ok());
  CHECK(v6->front().family == net::IpFamily::kV6);
  CHECK(v6->front().vrrp.version == 3);
  CHECK(v6->front().vips[0].prefix_len == 64);

  auto uc = InstanceSpecsFromConfig(Parse(Instance(
      " nopreempt\n unicast_src_ip 192.168.64.130\n unicast_peer {\n  192.168.64.137\n }")));
  REQUIRE(uc.ok());
  CHECK(uc->front().unicast());
  CHECK(uc->front().Expectation().unicast);
  CHECK(!uc->front().vrrp.preempt);
  CHECK(uc->front().unicast_peers[0].ToString() == "192.168.64.137");
}

TEST_CASE("track_interface and track_script weights reach the state machine config") {
  auto specs = InstanceSpecsFromConfig(Parse(
      "vrrp_script chk {\n script \"/bin/true\"\n interval 2\n weight -20\n fall 2\n}\n" +
      Instance(" track_interface {\n  eth1 weight -10\n  eth2\n }\n track_script {\n  chk\n }")));
  REQUIRE(specs.ok());
  const InstanceSpec& s = specs->front();
  REQUIRE(s.vrrp.tracked.size() == 3);
  CHECK(s.vrrp.tracked[0].name == "if:eth1");
  CHECK(s.vrrp.tracked[0].weight == -10);
  CHECK(s.vrrp.tracked[1].weight == 0);
  CHECK(s.vrrp.tracked[2].name == "script:chk");
  CHECK(s.vrrp.tracked[2].weight == -20);
  REQUIRE(s.track_scripts.size() == 1);
  CHECK(s.track_scripts[0].interval == absl::Seconds(2));
  CHECK(s.track_scripts[0].fall == 2);
}

TEST_CASE("a changed instance is told apart from an unchanged one") {
  auto a = InstanceSpecsFromConfig(Parse(Instance(" priority 100")));
  auto b = InstanceSpecsFromConfig(Parse("\n\n" + Instance(" priority 100")));
  auto c = InstanceSpecsFromConfig(Parse(Instance(" priority 101")));
  REQUIRE((a.ok() && b.ok() && c.ok()));
  // Moving the block in the file (other line numbers) is no change.
  CHECK(a->front().source.SerializeAsString() == b->front().source.SerializeAsString());
  CHECK(a->front().source.SerializeAsString() != c->front().source.SerializeAsString());
}

TEST_CASE("use_vmac moves the interface's VIPs onto the macvlan") {
  auto specs = InstanceSpecsFromConfig(Parse(Instance(" use_vmac")));
  REQUIRE(specs.ok());
  CHECK(specs->front().vmac == "vrrp.51");
  CHECK(specs->front().vips[0].dev == "vrrp.51");
  CHECK(specs->front().interface == "ens160");
  // With unicast peers the config layer drops use_vmac (with a warning): the VIPs
  // stay on the interface.
  auto uc = InstanceSpecsFromConfig(Parse(Instance(
      " use_vmac\n unicast_src_ip 192.168.64.130\n unicast_peer {\n  192.168.64.137\n }")));
  REQUIRE(uc.ok());
  CHECK(uc->front().vmac.empty());
  CHECK(uc->front().vips[0].dev == "ens160");
}

TEST_CASE("refusals name the instance and the problem") {
  // The parser refuses this too; the daemon does not rely on it.
  v1::Config c = Parse(Instance(""));
  v1::VrrpInstance* second = c.add_vrrp_instances();
  *second = c.vrrp_instances(0);
  second->set_name("VI_2");
  auto dup = InstanceSpecsFromConfig(c);
  REQUIRE(!dup.ok());
  CHECK(dup.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(dup.status().message()).find("already used by VI_1") != std::string::npos);

  v1::Config bad = Parse(Instance(""));
  bad.mutable_vrrp_instances(0)->set_virtual_router_id(300);
  auto vrid = InstanceSpecsFromConfig(bad);
  REQUIRE(!vrid.ok());
  CHECK(std::string(vrid.status().message()).find("VI_1") != std::string::npos);

  // An instance without addresses runs, as in keepalived (election and notify only).
  v1::Config novip = Parse(Instance(""));
  novip.mutable_vrrp_instances(0)->clear_virtual_ipaddresses();
  auto bare = InstanceSpecsFromConfig(novip);
  REQUIRE(bare.ok());
  CHECK(bare->front().vips.empty());
  CHECK(bare->front().family == net::IpFamily::kV4);
}

}  // namespace
}  // namespace lvs::vrrp

namespace lvs::vrrp {
namespace {

// "0" is a value: keepalived sends no second GARP burst with vrrp_garp_master_delay 0,
// and vrrp_min_garp means one GARP and no delay.
TEST_CASE("an explicit 0 or vrrp_min_garp reaches the daemon as written") {
  auto zero = InstanceSpecsFromConfig(Parse(Instance("", " vrrp_garp_master_delay 0")));
  REQUIRE(zero.ok());
  CHECK(zero->front().vrrp.garp_master_delay == absl::ZeroDuration());
  CHECK(zero->front().vrrp.garp_master_repeat == 5);
  auto per_instance =
      InstanceSpecsFromConfig(Parse(Instance(" garp_master_delay 0", " vrrp_garp_master_delay 7")));
  REQUIRE(per_instance.ok());
  CHECK(per_instance->front().vrrp.garp_master_delay == absl::ZeroDuration());
  auto min = InstanceSpecsFromConfig(Parse(Instance("", " vrrp_min_garp")));
  REQUIRE(min.ok());
  CHECK(min->front().vrrp.garp_master_delay == absl::ZeroDuration());
  CHECK(min->front().vrrp.garp_master_repeat == 1);
}

TEST_CASE("virtual_ipaddress_excluded: held like the VIPs, of either family, not advertised") {
  auto specs = InstanceSpecsFromConfig(Parse(
      Instance(" virtual_ipaddress_excluded {\n  192.168.64.200/32\n  fd00::200/64 dev eth1\n }")));
  REQUIRE(specs.ok());
  const InstanceSpec& s = specs->front();
  REQUIRE(s.vips.size() == 3);
  CHECK(s.family == net::IpFamily::kV4);
  CHECK_FALSE(s.vips[0].excluded);
  CHECK(s.vips[1].excluded);
  CHECK(s.vips[1].dev == "ens160");
  CHECK(s.vips[2].excluded);
  CHECK(s.vips[2].dev == "eth1");
  CHECK(s.vips[2].ToString() == "fd00::200/64 dev eth1 (excluded)");
}

}  // namespace
}  // namespace lvs::vrrp
