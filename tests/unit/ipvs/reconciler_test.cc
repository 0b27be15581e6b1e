#include <catch2/catch.hpp>

#include "tests/unit/ipvs/fake_ipvs_kernel.h"
#include "services/ipvsd/reconciler.h"
#include "tests/unit/ipvs/ipvs_test_util.h"

namespace lvs::ipvs {
namespace {

using Kind = Operation::Kind;
using testing::Real;
using testing::Svc;

// Specs only: a dump carries counters the desired table does not.
std::map<ServiceKey, std::pair<ServiceSpec, std::map<DestKey, DestSpec>>> Specs(const Table& t) {
  std::map<ServiceKey, std::pair<ServiceSpec, std::map<DestKey, DestSpec>>> out;
  for (const auto& [k, s] : t) {
    auto& e = out[k];
    e.first = s.spec;
    for (const auto& [dk, d] : s.dests) e.second[dk] = d.spec;
  }
  return out;
}

// Applies the diff to the fake kernel and returns the operations used.
std::vector<Operation> Converge(FakeIpvsKernel& kernel, const Table& desired,
                                const std::set<ServiceKey>& owned) {
  auto ops = Reconciler::Diff(desired, *kernel.Dump(), owned);
  for (const absl::Status& s : kernel.Apply(ops)) REQUIRE(s.ok());
  return ops;
}

struct Seed {
  testing::World world;
  Seed() { world.services = testing::Services(testing::kSeedVirtualServer); }
  Table Desired() { return world.Desired().table; }
  std::set<ServiceKey> Owned() { return Reconciler::KeysOf(Desired()); }
};

// The seed's table applied to a fake kernel: where most tests start.
struct ConvergedSeed : Seed {
  FakeIpvsKernel kernel;
  ConvergedSeed() { Converge(kernel, Desired(), Owned()); }
};

TEST_CASE("the diff of equal tables is empty") {
  Seed seed;
  Table desired = seed.Desired();
  CHECK(Reconciler::Diff(desired, desired, seed.Owned()).empty());
}

TEST_CASE("from empty: the service first, then its reals; after applying, kernel == desired") {
  Seed seed;
  FakeIpvsKernel kernel;
  auto ops = Converge(kernel, seed.Desired(), seed.Owned());
  REQUIRE(ops.size() == 3);
  CHECK(ops[0].kind == Kind::kAddService);
  CHECK(ops[0].ToString() == "add service TCP 192.168.64.100:80 (rr)");
  CHECK(ops[1].kind == Kind::kAddDest);
  CHECK(ops[2].kind == Kind::kAddDest);
  CHECK(ops[1].ToString() ==
        "add real 192.168.64.138:80 to TCP 192.168.64.100:80 (Route, weight 1)");
  CHECK(Specs(*kernel.Dump()) == Specs(seed.Desired()));
  CHECK(Reconciler::Diff(seed.Desired(), *kernel.Dump(), seed.Owned()).empty());
}

TEST_CASE_METHOD(ConvergedSeed, "one change gives one operation") {
  SECTION("a real's weight") {
    world.services[0].reals[0].spec.weight = 5;
    auto ops = Converge(kernel, Desired(), Owned());
    REQUIRE(ops.size() == 1);
    CHECK(ops[0].kind == Kind::kEditDest);
    CHECK(ops[0].dest.weight == 5);
  }
  SECTION("the scheduler") {
    world.services[0].spec.scheduler = "wlc";
    auto ops = Converge(kernel, Desired(), Owned());
    REQUIRE(ops.size() == 1);
    CHECK(ops[0].kind == Kind::kEditService);
  }
  SECTION("a new real") {
    RealConfig extra = world.services[0].reals[0];
    extra.spec.key = Real("192.168.64.150", 80);
    extra.target_id = TargetId(world.services[0].spec.key, extra.spec.key);
    world.services[0].reals.push_back(extra);
    auto ops = Converge(kernel, Desired(), Owned());
    REQUIRE(ops.size() == 1);
    CHECK(ops[0].kind == Kind::kAddDest);
  }
  CHECK(Specs(*kernel.Dump()) == Specs(Desired()));
}

TEST_CASE_METHOD(ConvergedSeed, "a diff limited to some services looks only at those") {
  kernel.table().begin()->second.spec.scheduler = "wlc";  // drift elsewhere is not looked at
  Table desired = Desired();
  ServiceSpec extra;
  extra.key = Svc("10.0.0.5", 80);
  extra.scheduler = "rr";
  desired[extra.key].spec = extra;
  auto owned = Reconciler::KeysOf(desired);
  auto ops = Reconciler::DiffServices(desired, *kernel.Dump(), owned, {extra.key});
  REQUIRE(ops.size() == 1);
  CHECK(ops[0].kind == Kind::kAddService);
  CHECK(ops[0].service.key == extra.key);
}

TEST_CASE_METHOD(ConvergedSeed,
                 "adopt on start: an equal kernel table is left alone, counters and all") {
  auto& svc = kernel.table().begin()->second;
  svc.stats.conns = 42;
  svc.dests.begin()->second.active_conns = 7;
  // Someone else's service is in the kernel too.
  ServiceSpec other;
  other.key = Svc("10.9.9.9", 53, IPPROTO_UDP);
  other.scheduler = "rr";
  REQUIRE(kernel.ApplyOne({Kind::kAddService, other, {}}).ok());

  const size_t before = kernel.operations_applied();
  auto ops = Converge(kernel, Desired(), Owned());
  CHECK(ops.empty());
  CHECK(kernel.operations_applied() == before);
  CHECK(kernel.table().at(world.services[0].spec.key).stats.conns == 42);
  CHECK(kernel.table().count(other.key) == 1);
}

TEST_CASE_METHOD(ConvergedSeed,
                 "adopt on start: a differing real is changed in place, not re-added") {
  auto& d = kernel.table().begin()->second.dests.begin()->second;
  d.spec.weight = 9;
  d.active_conns = 3;
  auto ops = Converge(kernel, Desired(), Owned());
  REQUIRE(ops.size() == 1);
  CHECK(ops[0].kind == Kind::kEditDest);
  CHECK(kernel.table().begin()->second.dests.begin()->second.active_conns == 3);
}

TEST_CASE_METHOD(ConvergedSeed, "drift repair: after ipvsadm -C everything comes back") {
  kernel.Flush();
  auto ops = Converge(kernel, Desired(), Owned());
  CHECK(ops.size() == 3);
  CHECK(Specs(*kernel.Dump()) == Specs(Desired()));
}

TEST_CASE_METHOD(ConvergedSeed, "drift repair: a stray real in an owned service is removed") {
  DestSpec stray;
  stray.key = Real("192.168.64.99", 80);
  REQUIRE(kernel.ApplyOne({Kind::kAddDest, Desired().begin()->second.spec, stray}).ok());
  auto ops = Converge(kernel, Desired(), Owned());
  REQUIRE(ops.size() == 1);
  CHECK(ops[0].kind == Kind::kDelDest);
  CHECK(ops[0].dest.key == stray.key);
}

TEST_CASE_METHOD(ConvergedSeed,
                 "a service dropped from the config is deleted, last; unowned ones stay") {
  std::set<ServiceKey> owned = Owned();
  ServiceSpec foreign;
  foreign.key = Svc("10.9.9.9", 80);
  foreign.scheduler = "rr";
  REQUIRE(kernel.ApplyOne({Kind::kAddService, foreign, {}}).ok());

  Table desired;  // the config no longer has the seed's service
  auto ops = Converge(kernel, desired, owned);
  REQUIRE(ops.size() == 1);
  CHECK(ops[0].kind == Kind::kDelService);
  CHECK(kernel.table().size() == 1);
  CHECK(kernel.table().count(foreign.key) == 1);
}

TEST_CASE_METHOD(ConvergedSeed, "operations are ordered: additions before removals") {
  // Replace rs1 by a new real: the add must come before the delete.
  world.services[0].reals[0].spec.key = Real("192.168.64.150", 80);
  auto ops = Reconciler::Diff(Desired(), *kernel.Dump(), Owned());
  REQUIRE(ops.size() == 2);
  CHECK(ops[0].kind == Kind::kAddDest);
  CHECK(ops[1].kind == Kind::kDelDest);
}

}  // namespace
}  // namespace lvs::ipvs
