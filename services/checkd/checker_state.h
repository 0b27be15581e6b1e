// The life of one checker under keepalived's rules, with time passed in (no clock
// reads), so unit tests drive it with a fake clock.
//
// keepalived (check_tcp.c tcp_epilog; the HTTP, SSL and MISC checkers follow the
// same pattern): a success resets the retry counter and marks the checker up at
// once; a failure is retried after delay_before_retry until `retry` retries have
// failed too, and only then is the checker marked down. So a checker goes down
// after retry+1 consecutive failures and up after one success. After a verdict
// (either way) the next run is delay_loop later; while down, each delay_loop cycle
// again makes up to retry+1 attempts, which can only bring it up.
// A checker starts up unless alpha is set. A local error (checkd could not try)
// is recorded as the last result but counts neither way; the checker runs again
// after delay_loop, as keepalived reschedules when it cannot create a socket.
#pragma once

#include <cstdint>
#include <optional>

#include "absl/time/time.h"
#include "services/checkd/check_outcome.h"

namespace lvs::checkd {

struct RetryPolicy {
  uint32_t retry = 1;
  absl::Duration delay_loop = absl::Seconds(60);
  absl::Duration delay_before_retry = absl::Seconds(1);
};

class CheckerState {
 public:
  // `first_failure_decides`: keepalived at start (check_data.c: "for non alpha
  // mode, one failure is enough initially") sets the retry counter as if the
  // retries were spent, so until the first verdict one failure is enough; a
  // checker added by a reload gets its retries.
  CheckerState(RetryPolicy policy, bool initially_up, bool first_failure_decides = false)
      : policy_(policy),
        up_(initially_up),
        retries_done_(first_failure_decides ? policy.retry : 0) {}

  struct Step {
    absl::Duration next_run_in;  // when to run this checker again
    bool up_changed = false;
    bool weight_changed = false;
  };
  Step Record(const CheckOutcome& outcome, absl::Time at);

  bool up() const { return up_; }
  // A verdict was reached at least once (a success, or retry+1 failures): until
  // then up() is only the initial state.
  bool decided() const { return decided_; }
  // misc_dynamic's last weight; -1 until a script set one. A down result keeps
  // it, as keepalived does.
  int32_t weight() const { return weight_; }
  uint32_t consecutive_failures() const { return consecutive_failures_; }
  uint64_t runs() const { return runs_; }
  const std::optional<CheckOutcome>& last() const { return last_; }
  absl::Time last_at() const { return last_at_; }
  const RetryPolicy& policy() const { return policy_; }

 private:
  RetryPolicy policy_;
  bool up_;
  bool decided_ = false;
  int32_t weight_ = -1;
  uint32_t retries_done_ = 0;  // keepalived's retry_it
  uint32_t consecutive_failures_ = 0;
  uint64_t runs_ = 0;
  std::optional<CheckOutcome> last_;
  absl::Time last_at_ = absl::InfinitePast();
};

// keepalived's warmup: the first run of a checker waits a random part of
// `warmup` so that thousands of checks loaded at once do not fire together.
// `unit_random` is in [0, 1).
absl::Duration FirstRunDelay(absl::Duration warmup, double unit_random);

}  // namespace lvs::checkd
