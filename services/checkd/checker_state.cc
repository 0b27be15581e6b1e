#include "services/checkd/checker_state.h"

#include <algorithm>

namespace lvs::checkd {

CheckerState::Step CheckerState::Record(const CheckOutcome& outcome, absl::Time at) {
  Step step;
  ++runs_;
  last_ = outcome;
  last_at_ = at;
  if (outcome.local_error) {
    step.next_run_in = policy_.delay_loop;
    return step;
  }
  if (outcome.ok) {
    consecutive_failures_ = 0;
    retries_done_ = 0;
    decided_ = true;
    step.up_changed = !up_;
    up_ = true;
    if (outcome.weight >= 0 && outcome.weight != weight_) {
      weight_ = outcome.weight;
      step.weight_changed = true;
    }
    step.next_run_in = policy_.delay_loop;
    return step;
  }
  ++consecutive_failures_;
  if (retries_done_ < policy_.retry) {
    ++retries_done_;
    step.next_run_in = policy_.delay_before_retry;
    return step;
  }
  retries_done_ = 0;
  decided_ = true;
  step.up_changed = up_;
  up_ = false;
  step.next_run_in = policy_.delay_loop;
  return step;
}

absl::Duration FirstRunDelay(absl::Duration warmup, double unit_random) {
  double r = std::clamp(unit_random, 0.0, 1.0);
  return absl::Trunc(warmup * r, absl::Milliseconds(1));
}

}  // namespace lvs::checkd
