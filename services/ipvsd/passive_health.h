// Passive health for the services with lvsha_passive_check: one PassiveDetector per
// real server, fed from samples of the kernel's connection table, and the guard
// rails around ejecting. Pure: the table's text, times and the desired table's view
// in; ejections out. The manager applies them (weight 0, existing connections
// untouched) and asks checkd to run the real's configured checks now; those alone
// decide whether the real goes down or gets its weight back (Restore).
//
// Guard rails: a real is never ejected when it is the last one of its service in
// rotation with a weight above 0, nor when max_ejected_percent of the service's
// reals (at least one) are out already; a suspect held back is logged once. Reals
// without checkers are never ejected: nothing would decide their return.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "services/ipvsd/conn_table.h"
#include "services/ipvsd/passive_detector.h"
#include "services/ipvsd/service_config.h"

namespace lvs::ipvs {

using RealRef = std::pair<ServiceKey, DestKey>;

class PassiveHealth {
 public:
  struct Ejection {
    RealRef real;
    std::string target_id;
    std::string evidence;        // "9 of 9 new connections got no second packet"
    absl::Duration stuck_after;  // the detector's threshold then, for the log
  };
  struct Result {
    std::vector<Ejection> ejected;
    std::vector<std::string> held;  // log lines: suspects a guard rail kept in
    ConnTableStats table;
  };

  // The config's services (start, reload). Reals that stay keep their detectors and
  // ejections; the rest are forgotten.
  void SetServices(const std::vector<ServiceConfig>& services);
  bool enabled() const { return !services_.empty(); }

  // One sample of /proc/net/ip_vs_conn. `serving`: in the desired table with a
  // weight above 0 (an ejected real is not).
  Result Sample(absl::Time now, std::string_view table_text,
                const std::function<bool(const RealRef&)>& serving);

  // The real's checks passed (or it came back up): its weight returns. False when
  // it was not ejected.
  bool Restore(const RealRef& real);
  bool ejected(const RealRef& real) const { return ejected_.count(real) > 0; }
  // Evidence by real, for the desired table and the API.
  const std::map<RealRef, std::string>& ejections() const { return evidence_; }
  // Ejected reals whose checks were asked for more than `after` ago without an
  // answer (checkd was away, or the checks have not decided): ask again. Marks them asked.
  std::vector<Ejection> DueRechecks(absl::Time now, absl::Duration after);
  uint64_t ejections_total() const { return ejections_total_; }
  uint64_t restorations_total() const { return restorations_total_; }

 private:
  struct Real {
    std::string target_id;
    bool has_checkers = false;
    PassiveDetector detector;
  };
  struct Service {
    ServiceKey key;
    uint32_t max_ejected_percent = 50;
    std::map<DestKey, Real> reals;
  };
  struct Ejected {
    absl::Time asked;
  };

  using ConnsByReal = std::map<RealRef, std::vector<PassiveDetector::Conn>>;
  // A sample's TCP connections, by the real of a passive service they go to.
  ConnsByReal GroupConnections(std::string_view table_text, ConnTableStats* stats) const;
  // One sample's verdicts on a service's reals, within the guard rails.
  void JudgeService(absl::Time now, Service& s, const ConnsByReal& conns,
                    const std::function<bool(const RealRef&)>& serving, Result& result);

  std::map<ServiceKey, Service> services_;
  using Endpoint = std::tuple<uint16_t, net::IpAddress, uint16_t>;   // protocol, address, port
  std::map<Endpoint, Service*> by_vip_;                              // into services_
  std::map<std::pair<net::IpAddress, uint16_t>, Service*> by_real_;  // fwmark services' reals
  std::map<RealRef, Ejected> ejected_;
  std::map<RealRef, std::string> evidence_;
  std::set<RealRef> held_;  // suspects held back, logged once per episode
  uint64_t ejections_total_ = 0;
  uint64_t restorations_total_ = 0;
};

}  // namespace lvs::ipvs
