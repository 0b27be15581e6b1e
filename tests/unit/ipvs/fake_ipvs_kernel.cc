#include "tests/unit/ipvs/fake_ipvs_kernel.h"

#include "absl/strings/str_cat.h"
#include "services/ipvsd/ipvs_errors.h"

namespace lvs::ipvs {

FakeIpvsKernel::FakeIpvsKernel()
    : schedulers_{"rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh",
                  "sh", "sed", "nq", "fo",  "ovf",  "mh"} {}

absl::StatusOr<IpvsInfo> FakeIpvsKernel::GetInfo() {
  if (!available_) return NotAvailableError();
  return IpvsInfo{0x010201, 4096};
}

absl::StatusOr<Table> FakeIpvsKernel::Dump() {
  if (!available_) return NotAvailableError();
  return table_;
}

std::vector<absl::Status> FakeIpvsKernel::Apply(absl::Span<const Operation> ops) {
  std::vector<absl::Status> out;
  out.reserve(ops.size());
  for (const Operation& op : ops) {
    out.push_back(available_ ? ApplyOp(op) : NotAvailableError());
    ++operations_applied_;
  }
  return out;
}

absl::Status FakeIpvsKernel::ApplyOp(const Operation& op) {
  using Kind = Operation::Kind;
  auto svc = table_.find(op.service.key);
  if (op.kind == Kind::kAddService) {
    if (svc != table_.end()) return KernelError(EEXIST, op);
    if (!schedulers_.count(op.service.scheduler)) return KernelError(ENOENT, op);
    table_[op.service.key].spec = op.service;
    return absl::OkStatus();
  }
  if (svc == table_.end()) return KernelError(ESRCH, op);
  switch (op.kind) {
    case Kind::kAddService: break;
    case Kind::kEditService:
      if (!schedulers_.count(op.service.scheduler)) return KernelError(ENOENT, op);
      svc->second.spec = op.service;
      return absl::OkStatus();
    case Kind::kDelService: table_.erase(svc); return absl::OkStatus();
    case Kind::kAddDest: {
      if (op.dest.weight < 0) return KernelError(ERANGE, op);
      auto [it, inserted] = svc->second.dests.try_emplace(op.dest.key);
      if (!inserted) return KernelError(EEXIST, op);
      it->second.spec = op.dest;
      return absl::OkStatus();
    }
    case Kind::kEditDest: {
      auto d = svc->second.dests.find(op.dest.key);
      if (d == svc->second.dests.end()) return KernelError(ENOENT, op);
      if (op.dest.weight < 0) return KernelError(ERANGE, op);
      d->second.spec = op.dest;
      return absl::OkStatus();
    }
    case Kind::kDelDest:
      if (!svc->second.dests.erase(op.dest.key)) return KernelError(ENOENT, op);
      return absl::OkStatus();
  }
  return absl::InternalError("unknown operation");
}

absl::StatusOr<Timeouts> FakeIpvsKernel::GetTimeouts() {
  if (!available_) return NotAvailableError();
  return timeouts_;
}

absl::Status FakeIpvsKernel::SetTimeouts(const Timeouts& t) {
  if (!available_) return NotAvailableError();
  if (t.tcp_s) timeouts_.tcp_s = t.tcp_s;
  if (t.tcp_fin_s) timeouts_.tcp_fin_s = t.tcp_fin_s;
  if (t.udp_s) timeouts_.udp_s = t.udp_s;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<SyncDaemon>> FakeIpvsKernel::GetSyncDaemons() {
  if (!available_) return NotAvailableError();
  return daemons_;
}

absl::Status FakeIpvsKernel::StartSyncDaemon(const SyncDaemon& d) {
  if (!available_) return NotAvailableError();
  for (const SyncDaemon& running : daemons_)
    if (running.role == d.role) return SyncDaemonError(EEXIST, d.role);
  daemons_.push_back(d);
  return absl::OkStatus();
}

absl::Status FakeIpvsKernel::StopSyncDaemon(SyncRole role) {
  if (!available_) return NotAvailableError();
  auto n = std::erase_if(daemons_, [&](const SyncDaemon& d) { return d.role == role; });
  if (n == 0) return SyncDaemonError(ESRCH, role);
  return absl::OkStatus();
}

}  // namespace lvs::ipvs
