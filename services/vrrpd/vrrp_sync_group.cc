#include "services/vrrpd/vrrp_sync_group.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace lvs::vrrp {

bool VrrpSyncGroup::AllIn(State state) const {
  return std::all_of(members_.begin(), members_.end(),
                     [&](const VrrpStateMachine* m) { return m->state() == state; });
}

bool VrrpSyncGroup::Contains(const VrrpStateMachine* m) const {
  return std::find(members_.begin(), members_.end(), m) != members_.end();
}

std::vector<std::pair<VrrpStateMachine*, Actions>> VrrpSyncGroup::Follow(
    absl::Time now, const VrrpStateMachine& origin, State to) {
  std::vector<std::pair<VrrpStateMachine*, Actions>> out;
  if (to != State::kMaster && to != State::kBackup && to != State::kFault) return out;
  const std::string reason = absl::StrCat("sync group ", name_, ": ", origin.config().name, " is ",
                                          std::string(StateName(to)));
  for (VrrpStateMachine* m : members_) {
    if (m == &origin || m->state() == to) continue;
    // A member in FAULT cannot be pulled up to MASTER; it keeps the group in check instead.
    Actions a = m->ForceState(now, to, reason);
    if (!a.empty()) out.emplace_back(m, std::move(a));
  }
  return out;
}

}  // namespace lvs::vrrp
