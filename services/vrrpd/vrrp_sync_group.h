// vrrp_sync_group: member instances move together. When one member enters MASTER,
// BACKUP or FAULT on its own, the others are forced to follow (keepalived's rule, so
// that e.g. the outside and inside VIPs of a NAT director never split).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "services/vrrpd/vrrp_state_machine.h"

namespace lvs::vrrp {

class VrrpSyncGroup {
 public:
  VrrpSyncGroup(std::string name, std::vector<VrrpStateMachine*> members)
      : name_(std::move(name)), members_(std::move(members)) {}

  const std::string& name() const { return name_; }
  // Every member is in `state` (the group has entered it).
  bool AllIn(State state) const;
  bool Contains(const VrrpStateMachine* m) const;

  // `origin` has just entered `to`: what every other member must do to follow.
  std::vector<std::pair<VrrpStateMachine*, Actions>> Follow(absl::Time now,
                                                            const VrrpStateMachine& origin,
                                                            State to);

 private:
  std::string name_;
  std::vector<VrrpStateMachine*> members_;
};

}  // namespace lvs::vrrp
