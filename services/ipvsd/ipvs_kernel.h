// The kernel IPVS table behind a small interface: IpvsNetlink talks to the kernel,
// FakeIpvsKernel keeps a table in memory for unit tests.
#pragma once

#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "services/ipvsd/ipvs_types.h"

namespace lvs::ipvs {

class IpvsKernel {
 public:
  virtual ~IpvsKernel() = default;

  virtual absl::StatusOr<IpvsInfo> GetInfo() = 0;
  // Every service with its destinations and counters.
  virtual absl::StatusOr<Table> Dump() = 0;
  // Applies the operations in order and returns one status per operation. They are
  // independent requests: a failure does not stop the ones after it.
  virtual std::vector<absl::Status> Apply(absl::Span<const Operation> ops) = 0;

  virtual absl::StatusOr<Timeouts> GetTimeouts() = 0;
  virtual absl::Status SetTimeouts(const Timeouts& t) = 0;

  virtual absl::StatusOr<std::vector<SyncDaemon>> GetSyncDaemons() = 0;
  virtual absl::Status StartSyncDaemon(const SyncDaemon& d) = 0;
  virtual absl::Status StopSyncDaemon(SyncRole role) = 0;

  // One operation; the first error, if any.
  absl::Status ApplyOne(const Operation& op) { return Apply({&op, 1}).front(); }
};

}  // namespace lvs::ipvs
