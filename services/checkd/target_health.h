// A real server's health from all its checkers: up only when every checker is up
// (keepalived counts failed checkers per real server); no checkers: always up.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "services/checkd/checker_state.h"
#include "services/checkd/target_spec.h"

namespace lvs::checkd {

class TargetHealth {
 public:
  // `initially_up` overrides alpha: a target whose spec changed starts from the
  // health it had, so replacing its checkers does not flap it.
  // `at_start`: the target came with checkd's first set (keepalived's start, not
  // a reload): until their first verdict, one failure takes a checker down.
  explicit TargetHealth(const TargetSpec& spec, std::optional<bool> initially_up = std::nullopt,
                        bool at_start = false);

  struct Step {
    absl::Duration next_run_in;
    bool changed = false;  // the target's up/down or weight changed
  };
  Step Record(size_t checker, const CheckOutcome& outcome, absl::Time at);
  // Checker i's state, as the shared check that runs it now has it (after
  // `outcome`, when there was one); true when the target's health changed.
  bool Adopt(size_t checker, const CheckerState& state, const CheckOutcome* outcome = nullptr);

  bool up() const;
  // Every checker reached a verdict: up() is a finding, not the initial state.
  bool checked() const;
  // misc_dynamic weight of the first checker that set one; -1 when none did.
  int32_t weight() const;
  // Why the target is what it is: the failing checker's last reason when down,
  // the latest success otherwise.
  std::string reason() const;
  size_t size() const { return checkers_.size(); }
  const CheckerState& checker(size_t i) const { return checkers_[i]; }

 private:
  std::vector<CheckerState> checkers_;
  std::string up_reason_;
};

}  // namespace lvs::checkd
