#include "services/checkd/target_health.h"

#include <catch2/catch.hpp>

namespace lvs::checkd {
namespace {

TargetSpec Spec(int checkers, bool alpha, uint32_t retry = 0) {
  v1::CheckTarget t;
  t.set_id("t");
  t.set_address("192.0.2.1");
  t.set_port(80);
  t.set_alpha(alpha);
  for (int i = 0; i < checkers; ++i) {
    auto* c = t.add_checkers();
    c->mutable_tcp();
    c->set_retry(retry);
    c->set_retry_set(true);
  }
  auto spec = TargetSpec::FromProto(t);
  REQUIRE(spec.ok());
  return *spec;
}

const absl::Time kT = absl::UnixEpoch();

TEST_CASE("no checkers: always up") {
  TargetHealth h(Spec(0, true));
  CHECK(h.up());
  CHECK(h.reason() == "no checkers");
}

TEST_CASE("several checkers: up only when all are up") {
  TargetHealth h(Spec(2, true));
  CHECK_FALSE(h.up());
  CHECK_FALSE(h.Record(0, CheckOutcome::Up("connected"), kT).changed);
  CHECK_FALSE(h.up());
  CHECK(h.Record(1, CheckOutcome::Up("HTTP 200"), kT).changed);
  CHECK(h.up());
  CHECK(h.reason() == "HTTP 200");
  CHECK(h.Record(1, CheckOutcome::Down("HTTP 503"), kT).changed);
  CHECK(h.reason() == "HTTP 503");
  // The other one failing too changes nothing for the target.
  CHECK_FALSE(h.Record(0, CheckOutcome::Down("connection refused"), kT).changed);
  // The first recovering still leaves it down, and the reason follows the other.
  CHECK_FALSE(h.Record(1, CheckOutcome::Up("HTTP 200"), kT).changed);
  CHECK(h.reason() == "connection refused");
}

TEST_CASE("checked once every checker reached a verdict; the first verdict is a change") {
  TargetHealth h(Spec(2, false));
  CHECK_FALSE(h.checked());
  CHECK_FALSE(h.Record(0, CheckOutcome::Up("connected"), kT).changed);  // 1 of 2
  CHECK_FALSE(h.checked());
  auto step = h.Record(1, CheckOutcome::Up("HTTP 200"), kT);
  CHECK(step.changed);  // still up, but now a finding
  CHECK(h.checked());
  CHECK(h.up());
  CHECK(TargetHealth(Spec(0, false)).checked());
}

TEST_CASE("alpha: down until the first success, with a reason that says so") {
  TargetHealth h(Spec(1, true));
  CHECK_FALSE(h.up());
  CHECK(h.reason() == "down until the first success");
}

TEST_CASE("a changed target starts from the health it had") {
  TargetHealth h(Spec(1, true), true);
  CHECK(h.up());
  TargetHealth g(Spec(1, false), false);
  CHECK_FALSE(g.up());
}

TEST_CASE("retries apply per checker before the target goes down") {
  TargetHealth h(Spec(1, false, 2));
  CHECK_FALSE(h.Record(0, CheckOutcome::Down("no answer in 3 s"), kT).changed);
  CHECK_FALSE(h.Record(0, CheckOutcome::Down("no answer in 3 s"), kT).changed);
  auto step = h.Record(0, CheckOutcome::Down("no answer in 3 s"), kT);
  CHECK(step.changed);
  CHECK(h.reason() == "no answer in 3 s");
}

TEST_CASE("a weight change is a change") {
  TargetHealth h(Spec(1, false));
  CHECK(h.weight() == -1);
  CHECK(h.Record(0, CheckOutcome::Up("exit status 7", 5), kT).changed);
  CHECK(h.weight() == 5);
}

}  // namespace
}  // namespace lvs::checkd
