// ipvsd's small state file: overrides and the services it owns, so both survive a
// restart. Written to a temporary file, synced, then renamed over the old one: a
// crash leaves either the old state or the new, never half of one.
#pragma once

#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "services/ipvsd/desired_table.h"

namespace lvs::ipvs {

struct PersistentState {
  OverrideMap overrides;
  std::set<ServiceKey> owned;
};

class StateStore {
 public:
  explicit StateStore(std::string path) : path_(std::move(path)) {}
  const std::string& path() const { return path_; }
  // A missing file is an empty state; an unreadable or corrupt one is an error.
  absl::StatusOr<PersistentState> Load() const;
  absl::Status Save(const PersistentState& state) const;

 private:
  std::string path_;
};

}  // namespace lvs::ipvs
