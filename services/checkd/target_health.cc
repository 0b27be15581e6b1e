#include "services/checkd/target_health.h"

#include "absl/strings/str_cat.h"

namespace lvs::checkd {

TargetHealth::TargetHealth(const TargetSpec& spec, std::optional<bool> initially_up,
                           bool at_start) {
  checkers_.reserve(spec.checkers.size());
  for (const CheckerSpec& c : spec.checkers) {
    checkers_.emplace_back(c.retry, initially_up.value_or(!c.alpha),
                           at_start && !initially_up.has_value());
  }
  up_reason_ = checkers_.empty() ? "no checkers" : "not checked yet";
}

TargetHealth::Step TargetHealth::Record(size_t i, const CheckOutcome& outcome, absl::Time at) {
  bool was_up = up();
  bool was_checked = checked();
  int32_t old_weight = weight();
  CheckerState::Step s = checkers_[i].Record(outcome, at);
  Step step{s.next_run_in, was_up != up() || old_weight != weight() || was_checked != checked()};
  if (outcome.ok && up()) up_reason_ = outcome.reason;
  return step;
}

bool TargetHealth::Adopt(size_t i, const CheckerState& state, const CheckOutcome* outcome) {
  bool was_up = up();
  bool was_checked = checked();
  int32_t old_weight = weight();
  checkers_[i] = state;
  if (outcome != nullptr && outcome->ok && up()) up_reason_ = outcome->reason;
  return was_up != up() || old_weight != weight() || was_checked != checked();
}

bool TargetHealth::up() const {
  for (const CheckerState& c : checkers_) {
    if (!c.up()) return false;
  }
  return true;
}

bool TargetHealth::checked() const {
  for (const CheckerState& c : checkers_) {
    if (!c.decided()) return false;
  }
  return true;
}

int32_t TargetHealth::weight() const {
  for (const CheckerState& c : checkers_) {
    if (c.weight() >= 0) return c.weight();
  }
  return -1;
}

std::string TargetHealth::reason() const {
  for (const CheckerState& c : checkers_) {
    if (c.up()) continue;
    return c.last() ? c.last()->reason : "down until the first success";
  }
  return up_reason_;
}

}  // namespace lvs::checkd
