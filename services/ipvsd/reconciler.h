// Desired table vs the kernel's: the minimal, ordered operations that turn one into
// the other. Pure. Only services in `owned` are touched (the config's own, and
// those ipvsd created earlier); anything else in the kernel belongs to someone else.
//
// Order: new services, changed services, new and changed reals, removed reals,
// removed services — so a service gains its new reals before it loses old ones.
#pragma once

#include <set>
#include <vector>

#include "absl/status/status.h"
#include "services/ipvsd/ipvs_types.h"

namespace lvs::ipvs {

class Reconciler {
 public:
  static std::vector<Operation> Diff(const Table& desired, const Table& actual,
                                     const std::set<ServiceKey>& owned);
  // The same, looking only at `keys`: a health change touches one service, and its
  // cost must not grow with the size of the table.
  static std::vector<Operation> DiffServices(const Table& desired, const Table& actual,
                                             const std::set<ServiceKey>& owned,
                                             const std::set<ServiceKey>& keys);
  // Brings a cached copy of the kernel table up to date with the operations that
  // succeeded, so the next diff needs no dump.
  static void Record(Table& table, const std::vector<Operation>& ops,
                     const std::vector<absl::Status>& results);
  // Every key of a table, for the usual "own what the config declares".
  static std::set<ServiceKey> KeysOf(const Table& table);
};

}  // namespace lvs::ipvs
