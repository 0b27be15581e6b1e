#include <catch2/catch.hpp>

#include "tests/unit/ipvs/fake_ipvs_kernel.h"
#include "services/ipvsd/reconciler.h"
#include "tests/unit/ipvs/ipvs_test_util.h"

namespace lvs::ipvs {
namespace {

using Kind = Operation::Kind;
using testing::Real;
using testing::Svc;

const std::string kRs1 = "TCP 192.168.64.100:80 -> 192.168.64.143:80";
const std::string kRs2 = "TCP 192.168.64.100:80 -> 192.168.64.138:80";
const ServiceKey kVip = Svc("192.168.64.100", 80);

struct Fixture {
  testing::World world;
  FakeIpvsKernel kernel;
  explicit Fixture(const std::string& text = testing::kSeedVirtualServer) {
    world.services = testing::Services(text);
  }
  // One reconcile round against the fake kernel; returns the operations.
  std::vector<Operation> Round() {
    world.actual = *kernel.Dump();
    DesiredTable d = world.Desired();
    auto ops = Reconciler::Diff(d.table, world.actual, Reconciler::KeysOf(d.table));
    for (const absl::Status& s : kernel.Apply(ops)) REQUIRE(s.ok());
    return ops;
  }
  std::map<DestKey, int32_t> Weights() {
    std::map<DestKey, int32_t> w;
    for (const auto& [k, d] : kernel.table().at(kVip).dests) w[k] = d.spec.weight;
    return w;
  }
};

TEST_CASE("health: a failed real is removed, and comes back when it recovers") {
  Fixture f;
  f.Round();
  f.world.health[kRs1] = {false, "connection refused"};
  auto ops = f.Round();
  REQUIRE(ops.size() == 1);
  CHECK(ops[0].kind == Kind::kDelDest);
  CHECK(ops[0].dest.key == Real("192.168.64.143", 80));
  CHECK(f.Weights() == std::map<DestKey, int32_t>{{Real("192.168.64.138", 80), 1}});

  f.world.health[kRs1] = {true, ""};
  ops = f.Round();
  REQUIRE(ops.size() == 1);
  CHECK(ops[0].kind == Kind::kAddDest);
  CHECK(f.Weights().size() == 2);
}

TEST_CASE("health: with inhibit_on_failure a failed real stays at weight 0") {
  Fixture f;
  for (RealConfig& r : f.world.services[0].reals) r.inhibit_on_failure = true;
  f.Round();
  f.world.health[kRs1] = {false, "no answer in 3 s"};
  auto ops = f.Round();
  REQUIRE(ops.size() == 1);
  CHECK(ops[0].kind == Kind::kEditDest);
  CHECK(ops[0].dest.weight == 0);
  CHECK(f.Weights().at(Real("192.168.64.143", 80)) == 0);
  CHECK(f.world.Desired().status.at(kVip).reals.at(Real("192.168.64.143", 80)).reason ==
        "no answer in 3 s");
}

TEST_CASE("alpha: reals start down until checkd says up; default: they start up") {
  Fixture f;
  CHECK(f.Round().size() == 3);
  Fixture alpha;
  for (RealConfig& r : alpha.world.services[0].reals) r.alpha = true;
  auto ops = alpha.Round();
  REQUIRE(ops.size() == 1);  // the service only
  CHECK(ops[0].kind == Kind::kAddService);
  alpha.world.health[kRs2] = {true, ""};
  ops = alpha.Round();
  REQUIRE(ops.size() == 1);
  CHECK(ops[0].dest.key == Real("192.168.64.138", 80));
}

TEST_CASE("a dynamic weight from MISC_CHECK replaces the configured one") {
  Fixture f;
  f.Round();
  f.world.health[kRs1] = {true, "", 7};
  auto ops = f.Round();
  REQUIRE(ops.size() == 1);
  CHECK(ops[0].kind == Kind::kEditDest);
  CHECK(ops[0].dest.weight == 7);
}

constexpr char kQuorumConfig[] = R"(
virtual_server 192.168.64.100 80 {
  lb_algo rr
  lb_kind DR
  quorum 2
  hysteresis 0
  sorry_server 192.168.64.200 80
  real_server 192.168.64.143 80 { weight 1
    TCP_CHECK { connect_timeout 3 } }
  real_server 192.168.64.138 80 { weight 1
    TCP_CHECK { connect_timeout 3 } }
}
)";

TEST_CASE("quorum: below it the sorry server replaces the reals; above it they return") {
  Fixture f(kQuorumConfig);
  f.Round();
  CHECK(f.Weights().size() == 2);
  CHECK(f.world.Desired().status.at(kVip).quorum_up);

  f.world.health[kRs1] = {false, "refused"};
  f.Round();
  auto st = f.world.Desired().status.at(kVip);
  CHECK_FALSE(st.quorum_up);
  CHECK(st.sorry_server_active);
  CHECK(f.Weights() == std::map<DestKey, int32_t>{{Real("192.168.64.200", 80), 1}});

  f.world.health[kRs1] = {true, ""};
  f.Round();
  CHECK(f.world.Desired().status.at(kVip).quorum_up);
  CHECK(f.Weights() == std::map<DestKey, int32_t>{{Real("192.168.64.138", 80), 1},
                                                  {Real("192.168.64.143", 80), 1}});
}

TEST_CASE("quorum: hysteresis keeps the state until the weight crosses the band") {
  Fixture f(kQuorumConfig);
  f.world.services[0].quorum = 2;
  f.world.services[0].hysteresis = 1;
  for (RealConfig& r : f.world.services[0].reals) r.spec.weight = 1;
  f.Round();
  CHECK(f.world.Desired().status.at(kVip).quorum_up);
  f.world.health[kRs1] = {false, "refused"};  // weight 1: not below 2 - 1
  f.Round();
  CHECK(f.world.Desired().status.at(kVip).quorum_up);
  f.world.health[kRs2] = {false, "refused"};  // weight 0: lost
  f.Round();
  CHECK_FALSE(f.world.Desired().status.at(kVip).quorum_up);
  f.world.health[kRs2] = {true, ""};  // weight 1: not yet 2 + 1
  f.Round();
  CHECK_FALSE(f.world.Desired().status.at(kVip).quorum_up);
  f.world.health[kRs1] = {true, ""};  // weight 2: still below 3
  f.Round();
  CHECK_FALSE(f.world.Desired().status.at(kVip).quorum_up);
}

TEST_CASE("sorry_server_inhibit keeps the sorry server at weight 0 while quorum holds") {
  Fixture f(kQuorumConfig);
  f.world.services[0].sorry_server_inhibit = true;
  f.Round();
  CHECK(f.Weights().at(Real("192.168.64.200", 80)) == 0);
}

TEST_CASE("overrides: disable removes, enable forces in, default restores health's say") {
  Fixture f;
  for (RealConfig& r : f.world.services[0].reals) r.inhibit_on_failure = true;
  f.Round();
  OverrideKey rs1{kVip, Real("192.168.64.143", 80)};
  f.world.overrides[rs1] = {OverrideKind::kDisable, f.world.now, {}};
  auto ops = f.Round();
  REQUIRE(ops.size() == 1);
  CHECK(ops[0].kind == Kind::kDelDest);  // disabled is out, even with inhibit_on_failure

  f.world.health[kRs1] = {false, "refused"};
  f.world.overrides[rs1] = {OverrideKind::kEnable, f.world.now, {}};
  ops = f.Round();
  REQUIRE(ops.size() == 1);
  CHECK(ops[0].kind == Kind::kAddDest);
  CHECK(ops[0].dest.weight == 1);

  f.world.overrides[rs1] = {OverrideKind::kDefault, f.world.now, {}};
  ops = f.Round();
  REQUIRE(ops.size() == 1);
  CHECK(ops[0].dest.weight == 0);  // health says down; inhibit keeps it at 0
}

TEST_CASE("drain: weight 0 while connections remain, removed when they end or time out") {
  Fixture f;
  f.Round();
  const DestKey rs1 = Real("192.168.64.143", 80);
  f.kernel.table().at(kVip).dests.at(rs1).active_conns = 2;
  f.world.overrides[{kVip, rs1}] = {OverrideKind::kDrain, f.world.now, absl::Seconds(60)};
  auto ops = f.Round();
  REQUIRE(ops.size() == 1);
  CHECK(ops[0].kind == Kind::kEditDest);
  CHECK(ops[0].dest.weight == 0);

  f.world.now += absl::Seconds(30);
  CHECK(f.Round().empty());  // still connections, before the timeout

  SECTION("connections end") { f.kernel.table().at(kVip).dests.at(rs1).active_conns = 0; }
  SECTION("the timeout passes") { f.world.now += absl::Seconds(31); }
  ops = f.Round();
  REQUIRE(ops.size() == 1);
  CHECK(ops[0].kind == Kind::kDelDest);
  CHECK(f.Round().empty());  // and it stays out
}

TEST_CASE("a service-wide override applies to every real") {
  Fixture f;
  f.Round();
  f.world.overrides[{kVip, std::nullopt}] = {OverrideKind::kDisable, f.world.now, {}};
  auto ops = f.Round();
  CHECK(ops.size() == 2);
  CHECK(f.kernel.table().at(kVip).dests.empty());
}

}  // namespace
}  // namespace lvs::ipvs
