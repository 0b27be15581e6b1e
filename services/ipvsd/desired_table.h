// The table ipvsd wants in the kernel: config ∩ health ∩ overrides, with keepalived's
// rules (a failed real is removed, or kept at weight 0 with inhibit_on_failure;
// alpha reals start down; below quorum the sorry server replaces the reals). Pure:
// time is passed in, the previous quorum states too.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "services/ipvsd/ipvs_types.h"
#include "services/ipvsd/service_config.h"

namespace lvs::ipvs {

// checkd's verdict on one target. weight >= 0: MISC_CHECK's dynamic weight.
struct RealHealth {
  bool up = true;
  std::string reason;
  int32_t weight = -1;
};

enum class OverrideKind { kDefault, kEnable, kDisable, kDrain };

// An override on a whole service (real unset) or on one real of it.
struct OverrideKey {
  ServiceKey service;
  std::optional<DestKey> real;
  friend auto operator<=>(const OverrideKey&, const OverrideKey&) = default;
};

struct OverrideEntry {
  OverrideKind kind = OverrideKind::kDefault;
  absl::Time since;                                     // wall clock, so it survives a restart
  absl::Duration drain_timeout = absl::ZeroDuration();  // zero: until connections end
  friend bool operator==(const OverrideEntry&, const OverrideEntry&) = default;
};

using HealthMap = std::map<std::string, RealHealth>;  // by target id
using OverrideMap = std::map<OverrideKey, OverrideEntry>;

// Why a real is where it is: what the API shows next to the kernel's view.
struct RealStatus {
  enum class Health { kUp, kDown, kUnknown };
  Health health = Health::kUnknown;
  std::string reason;
  OverrideKind override_kind = OverrideKind::kDefault;
  std::string passive_suspect;  // taken out of new connections by the passive check: the evidence
  bool wanted = false;          // in the desired table
  int32_t weight = 0;           // desired weight when wanted
};

struct ServiceStatus {
  bool quorum_up = true;
  bool sorry_server_active = false;
  uint64_t alive_weight = 0;
  std::map<DestKey, RealStatus> reals;
};

struct DesiredTable {
  Table table;
  std::map<ServiceKey, ServiceStatus> status;
};

struct DesiredInputs {
  const std::vector<ServiceConfig>* services;
  const HealthMap* health;
  const OverrideMap* overrides;
  const Table* actual;  // connection counts, for drains
  // Quorum state from the previous computation; absent services start from
  // "up if the weight reaches the quorum".
  const std::map<ServiceKey, bool>* previous_quorum;
  absl::Time now;
  // Set: only these services are computed (a health change or an override touches
  // a few; the rest of the table is not looked at).
  const std::set<ServiceKey>* only = nullptr;
  // The passive check's ejections, with their evidence: a real that would serve is
  // kept at weight 0 instead (existing connections go on; quorum is unchanged).
  const std::map<std::pair<ServiceKey, DestKey>, std::string>* passive = nullptr;
};

DesiredTable BuildDesiredTable(const DesiredInputs& in);

}  // namespace lvs::ipvs
