// An in-memory IPVS table with the kernel's rules for what is refused (duplicate
// service or real, unknown scheduler, missing service), for unit tests.
#pragma once

#include <set>
#include <string>

#include "services/ipvsd/ipvs_kernel.h"

namespace lvs::ipvs {

class FakeIpvsKernel final : public IpvsKernel {
 public:
  FakeIpvsKernel();

  absl::StatusOr<IpvsInfo> GetInfo() override;
  absl::StatusOr<Table> Dump() override;
  std::vector<absl::Status> Apply(absl::Span<const Operation> ops) override;
  absl::StatusOr<Timeouts> GetTimeouts() override;
  absl::Status SetTimeouts(const Timeouts& t) override;
  absl::StatusOr<std::vector<SyncDaemon>> GetSyncDaemons() override;
  absl::Status StartSyncDaemon(const SyncDaemon& d) override;
  absl::Status StopSyncDaemon(SyncRole role) override;

  // Test hooks.
  Table& table() { return table_; }
  void Flush() { table_.clear(); }  // what `ipvsadm -C` does
  size_t operations_applied() const { return operations_applied_; }
  void set_available(bool available) { available_ = available; }

 private:
  absl::Status ApplyOp(const Operation& op);

  Table table_;
  Timeouts timeouts_{900, 120, 300};
  std::vector<SyncDaemon> daemons_;
  std::set<std::string> schedulers_;
  size_t operations_applied_ = 0;
  bool available_ = true;
};

}  // namespace lvs::ipvs
