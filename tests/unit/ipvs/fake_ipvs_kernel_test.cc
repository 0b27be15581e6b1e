#include <catch2/catch.hpp>

#include "tests/unit/ipvs/fake_ipvs_kernel.h"
#include "tests/unit/ipvs/ipvs_test_util.h"

namespace lvs::ipvs {
namespace {

using Kind = Operation::Kind;

TEST_CASE("kernel refusals read as what went wrong") {
  FakeIpvsKernel kernel;
  ServiceSpec svc;
  svc.key = testing::Svc("192.168.64.100", 80);
  svc.scheduler = "xyz";
  absl::Status s = kernel.ApplyOne({Kind::kAddService, svc, {}});
  CHECK(s.code() == absl::StatusCode::kNotFound);
  CHECK(s.message() ==
        "add service TCP 192.168.64.100:80 (xyz): scheduler 'xyz' is not available in this kernel");

  svc.scheduler = "rr";
  REQUIRE(kernel.ApplyOne({Kind::kAddService, svc, {}}).ok());
  s = kernel.ApplyOne({Kind::kAddService, svc, {}});
  CHECK(s.code() == absl::StatusCode::kAlreadyExists);
  CHECK(s.message() == "add service TCP 192.168.64.100:80 (rr): service already exists");

  DestSpec d;
  d.key = testing::Real("192.168.64.143", 80);
  d.forwarding = Forwarding::kDirect;
  REQUIRE(kernel.ApplyOne({Kind::kAddDest, svc, d}).ok());
  s = kernel.ApplyOne({Kind::kAddDest, svc, d});
  CHECK(s.code() == absl::StatusCode::kAlreadyExists);
  CHECK(s.message() ==
        "add real 192.168.64.143:80 to TCP 192.168.64.100:80 (Route, weight 1): "
        "real server already exists");

  DestSpec missing = d;
  missing.key = testing::Real("192.168.64.1", 80);
  s = kernel.ApplyOne({Kind::kDelDest, svc, missing});
  CHECK(s.code() == absl::StatusCode::kNotFound);
  CHECK(s.message() ==
        "delete real 192.168.64.1:80 from TCP 192.168.64.100:80: real server does not exist");
}

TEST_CASE("a failed operation does not stop the ones after it") {
  FakeIpvsKernel kernel;
  ServiceSpec a, b;
  a.key = testing::Svc("10.0.0.1", 80);
  b.key = testing::Svc("10.0.0.2", 80);
  std::vector<Operation> ops = {
      {Kind::kAddService, a, {}}, {Kind::kAddService, a, {}}, {Kind::kAddService, b, {}}};
  auto results = kernel.Apply(ops);
  CHECK(results[0].ok());
  CHECK(results[1].code() == absl::StatusCode::kAlreadyExists);
  CHECK(results[2].ok());
  CHECK(kernel.table().size() == 2);
}

TEST_CASE("sync daemons: one per role") {
  FakeIpvsKernel kernel;
  SyncDaemon master{SyncRole::kMaster, "ens160", 51};
  REQUIRE(kernel.StartSyncDaemon(master).ok());
  absl::Status s = kernel.StartSyncDaemon(master);
  CHECK(s.code() == absl::StatusCode::kAlreadyExists);
  CHECK(s.message() == "connection sync daemon (master): already running");
  CHECK(kernel.StopSyncDaemon(SyncRole::kBackup).code() == absl::StatusCode::kNotFound);
  CHECK(kernel.StopSyncDaemon(SyncRole::kMaster).ok());
}

}  // namespace
}  // namespace lvs::ipvs
