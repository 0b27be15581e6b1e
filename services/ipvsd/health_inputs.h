// What checkd says of the real servers, as the desired table reads it: the last
// verdict per target, and which services a verdict touches. Verdicts are held where
// keepalived holds them: while a service is suspended (ha_suspend: its address is on
// none of this host's interfaces, so checkd is not asked to probe it), and after it
// returns until its first real verdict. Pure: events in, changes out.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "lvs/v1/check.pb.h"
#include "services/ipvsd/desired_table.h"
#include "services/ipvsd/service_config.h"

namespace lvs::ipvs {

class HealthInputs {
 public:
  struct Suspension {
    ServiceKey service;
    bool suspended;  // false: resumed
  };
  struct Verdict {
    ServiceKey service;  // whose desired state may change
    std::string line;    // for the log: "ID is down (connection refused)"
  };

  // The config's services (start, reload). Returns the suspensions that changed.
  std::vector<Suspension> SetServices(const std::vector<ServiceConfig>& services);
  // This host's addresses (unset until the first dump: nothing is known to be here).
  std::vector<Suspension> SetLocalAddresses(const std::set<net::IpAddress>& addresses);
  // A checkd event; the change it makes, if any.
  std::optional<Verdict> OnHealth(const lvs::v1::HealthEvent& e);

  bool suspended(const ServiceKey& service) const { return suspended_.count(service) > 0; }
  const HealthMap& health() const { return health_; }

 private:
  std::vector<Suspension> UpdateSuspended();

  std::vector<const ServiceConfig*> ha_suspend_;  // into the services last set
  std::map<std::string, ServiceKey> service_of_target_;
  std::map<ServiceKey, std::vector<std::string>> targets_of_service_;
  std::optional<std::set<net::IpAddress>> local_addresses_;
  std::set<ServiceKey> suspended_;
  std::set<std::string> resumed_targets_;  // of services just back from suspension
  HealthMap health_;
};

}  // namespace lvs::ipvs
