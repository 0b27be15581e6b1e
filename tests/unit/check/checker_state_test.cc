#include "services/checkd/checker_state.h"

#include <catch2/catch.hpp>

namespace lvs::checkd {
namespace {

constexpr absl::Duration kLoop = absl::Seconds(6);
constexpr absl::Duration kRetryDelay = absl::Seconds(3);

// Drives a CheckerState along a fake clock, the way the engine does.
struct FakeRun {
  CheckerState state;
  absl::Time now = absl::UnixEpoch();
  CheckerState::Step Feed(bool ok) {
    auto step =
        state.Record(ok ? CheckOutcome::Up() : CheckOutcome::Down("connection refused"), now);
    now += step.next_run_in;
    return step;
  }
};

TEST_CASE("a checker starts up, and down with alpha") {
  CHECK(CheckerState({1, kLoop, kRetryDelay}, true).up());
  CHECK_FALSE(CheckerState({1, kLoop, kRetryDelay}, false).up());
}

TEST_CASE("down after retry+1 consecutive failures, retries spaced by delay_before_retry") {
  for (uint32_t retry : {0u, 1u, 3u}) {
    FakeRun run{CheckerState({retry, kLoop, kRetryDelay}, true)};
    absl::Time start = run.now;
    for (uint32_t i = 0; i < retry; ++i) {
      auto step = run.Feed(false);
      CHECK_FALSE(step.up_changed);
      CHECK(step.next_run_in == kRetryDelay);
      CHECK(run.state.up());
    }
    auto step = run.Feed(false);
    CHECK(step.up_changed);
    CHECK_FALSE(run.state.up());
    CHECK(step.next_run_in == kLoop);
    CHECK(run.state.consecutive_failures() == retry + 1);
    // The verdict came retry * delay_before_retry after the first failure.
    CHECK(run.now - start == retry * kRetryDelay + kLoop);
  }
}

TEST_CASE("at start one failure is enough until the first success (keepalived's start)") {
  FakeRun run{CheckerState({3, kLoop, kRetryDelay}, true, /*first_failure_decides=*/true)};
  auto step = run.Feed(false);
  CHECK(step.up_changed);
  CHECK_FALSE(run.state.up());
  // After a success the retries are back.
  FakeRun later{CheckerState({2, kLoop, kRetryDelay}, true, true)};
  later.Feed(true);
  CHECK_FALSE(later.Feed(false).up_changed);
  CHECK_FALSE(later.Feed(false).up_changed);
  CHECK(later.Feed(false).up_changed);
}

TEST_CASE("one success brings a down checker up and resets the retries") {
  FakeRun run{CheckerState({2, kLoop, kRetryDelay}, false)};
  auto step = run.Feed(true);
  CHECK(step.up_changed);
  CHECK(run.state.up());
  CHECK(step.next_run_in == kLoop);
  // Two failures, then a success: the retry counter starts over.
  run.Feed(false);
  run.Feed(false);
  CHECK(run.state.consecutive_failures() == 2);
  run.Feed(true);
  CHECK(run.state.consecutive_failures() == 0);
  run.Feed(false);
  run.Feed(false);
  CHECK(run.state.up());
  CHECK(run.Feed(false).up_changed);
}

TEST_CASE("while down, failures cycle through retries without events") {
  FakeRun run{CheckerState({1, kLoop, kRetryDelay}, false)};
  for (int i = 0; i < 6; ++i) {
    auto step = run.Feed(false);
    CHECK_FALSE(step.up_changed);
    CHECK(step.next_run_in == (i % 2 == 0 ? kRetryDelay : kLoop));
  }
  CHECK(run.state.runs() == 6);
  CHECK(run.state.consecutive_failures() == 6);
}

TEST_CASE("a failure between successes does not take it down with retry 1") {
  FakeRun run{CheckerState({1, kLoop, kRetryDelay}, true)};
  for (int i = 0; i < 5; ++i) {
    CHECK_FALSE(run.Feed(false).up_changed);
    CHECK_FALSE(run.Feed(true).up_changed);
  }
  CHECK(run.state.up());
}

TEST_CASE("misc_dynamic weight changes are reported and kept across a failure") {
  CheckerState s({0, kLoop, kRetryDelay}, true);
  auto t = absl::UnixEpoch();
  CHECK(s.weight() == -1);
  auto step = s.Record(CheckOutcome::Up("exit status 12", 10), t);
  CHECK(step.weight_changed);
  CHECK_FALSE(step.up_changed);
  CHECK(s.weight() == 10);
  CHECK_FALSE(s.Record(CheckOutcome::Up("exit status 12", 10), t).weight_changed);
  CHECK(s.Record(CheckOutcome::Down("exit status 1"), t).up_changed);
  CHECK(s.weight() == 10);
  // Exit 0 with misc_dynamic leaves the weight as it was (keepalived's legacy case).
  CHECK_FALSE(s.Record(CheckOutcome::Up("exit status 0"), t).weight_changed);
  CHECK(s.weight() == 10);
}

TEST_CASE("the last result and its time are kept") {
  CheckerState s({1, kLoop, kRetryDelay}, true);
  auto t = absl::UnixEpoch() + absl::Seconds(42);
  CheckOutcome o = CheckOutcome::Down("HTTP 503");
  o.latency = absl::Milliseconds(7);
  s.Record(o, t);
  REQUIRE(s.last().has_value());
  CHECK(s.last()->reason == "HTTP 503");
  CHECK(s.last()->latency == absl::Milliseconds(7));
  CHECK(s.last_at() == t);
}

TEST_CASE("a local error counts neither way and waits a delay_loop") {
  FakeRun run{CheckerState({1, kLoop, kRetryDelay}, true)};
  run.Feed(false);  // first failure: a retry is due
  auto step = run.state.Record(CheckOutcome::LocalError("too many open files"), run.now);
  CHECK_FALSE(step.up_changed);
  CHECK(step.next_run_in == kLoop);
  CHECK(run.state.up());
  CHECK(run.state.consecutive_failures() == 1);
  CHECK(run.state.last()->reason == "local error: too many open files");
  // The retry that was due is still due: one more failure takes it down.
  CHECK(run.Feed(false).up_changed);
  // And a down checker is not brought up by one either.
  CHECK_FALSE(
      run.state.Record(CheckOutcome::LocalError("fork: out of memory"), run.now).up_changed);
  CHECK_FALSE(run.state.up());
}

TEST_CASE("decided: after a success, or after retry+1 failures, not before") {
  FakeRun ok{CheckerState({1, kLoop, kRetryDelay}, true)};
  CHECK_FALSE(ok.state.decided());
  ok.Feed(true);
  CHECK(ok.state.decided());
  FakeRun failing{CheckerState({1, kLoop, kRetryDelay}, true)};
  failing.Feed(false);
  CHECK_FALSE(failing.state.decided());  // a retry is pending: still the initial state
  failing.Feed(false);
  CHECK(failing.state.decided());
  FakeRun local{CheckerState({0, kLoop, kRetryDelay}, true)};
  local.state.Record(CheckOutcome::LocalError("too many open files"), local.now);
  CHECK_FALSE(local.state.decided());
}

TEST_CASE("warmup spreads first runs over [0, warmup)") {
  CHECK(FirstRunDelay(absl::Seconds(10), 0.0) == absl::ZeroDuration());
  CHECK(FirstRunDelay(absl::Seconds(10), 0.5) == absl::Seconds(5));
  CHECK(FirstRunDelay(absl::Seconds(10), 0.9999) < absl::Seconds(10));
  CHECK(FirstRunDelay(absl::ZeroDuration(), 0.7) == absl::ZeroDuration());
  CHECK(FirstRunDelay(absl::Seconds(1), 7.0) == absl::Seconds(1));
}

}  // namespace
}  // namespace lvs::checkd
