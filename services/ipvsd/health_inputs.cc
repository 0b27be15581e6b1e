#include "services/ipvsd/health_inputs.h"

#include "absl/strings/str_cat.h"

namespace lvs::ipvs {

std::vector<HealthInputs::Suspension> HealthInputs::SetServices(
    const std::vector<ServiceConfig>& services) {
  ha_suspend_.clear();
  service_of_target_.clear();
  targets_of_service_.clear();
  for (const ServiceConfig& sc : services) {
    if (sc.ha_suspend) ha_suspend_.push_back(&sc);
    for (const RealConfig& rc : sc.reals) {
      service_of_target_[rc.target_id] = sc.spec.key;
      targets_of_service_[sc.spec.key].push_back(rc.target_id);
    }
  }
  return UpdateSuspended();
}

std::vector<HealthInputs::Suspension> HealthInputs::SetLocalAddresses(
    const std::set<net::IpAddress>& addresses) {
  local_addresses_ = addresses;
  return UpdateSuspended();
}

std::vector<HealthInputs::Suspension> HealthInputs::UpdateSuspended() {
  std::set<ServiceKey> next;
  for (const ServiceConfig* sc : ha_suspend_) {
    if (!(local_addresses_ && local_addresses_->count(sc->spec.key.addr)))
      next.insert(sc->spec.key);
  }
  std::vector<Suspension> changes;
  for (const ServiceKey& k : next)
    if (!suspended_.count(k)) changes.push_back({k, true});
  for (const ServiceKey& k : suspended_) {
    if (next.count(k)) continue;
    changes.push_back({k, false});
    // Back from suspension, checkd starts its targets afresh.
    for (const std::string& id : targets_of_service_[k]) resumed_targets_.insert(id);
  }
  suspended_ = std::move(next);
  return changes;
}

std::optional<HealthInputs::Verdict> HealthInputs::OnHealth(const lvs::v1::HealthEvent& e) {
  auto svc = service_of_target_.find(e.id());
  if (svc == service_of_target_.end()) return std::nullopt;  // a target from an older config
  if (e.removed()) {
    // A suspended service's reals keep their last state (keepalived's ha_suspend).
    if (!suspended_.count(svc->second)) health_.erase(e.id());
    return std::nullopt;
  }
  if (resumed_targets_.count(e.id())) {
    // A resumed target's initial state is not a verdict: the last known one holds
    // until the first check says.
    if (!e.checked() && health_.count(e.id())) return std::nullopt;
    resumed_targets_.erase(e.id());
  }
  RealHealth h{e.up(), e.reason(), e.weight()};
  auto it = health_.find(e.id());
  if (it != health_.end() && it->second.up == h.up && it->second.weight == h.weight) {
    it->second.reason = h.reason;
    return std::nullopt;
  }
  health_[e.id()] = h;
  return Verdict{svc->second,
                 absl::StrCat(e.id(), " is ", e.up() ? "up" : "down",
                              e.reason().empty() ? "" : absl::StrCat(" (", e.reason(), ")"))};
}

}  // namespace lvs::ipvs
