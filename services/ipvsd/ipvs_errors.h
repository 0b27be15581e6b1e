// Kernel IPVS errors (negative errno in a netlink ack) turned into statuses that say
// what went wrong in the operator's words, e.g. "add service TCP 10.0.0.1:80:
// scheduler 'xyz' is not available in this kernel".
#pragma once

#include "absl/status/status.h"
#include "services/ipvsd/ipvs_types.h"

namespace lvs::ipvs {

absl::Status KernelError(int error, const Operation& op);
absl::Status SyncDaemonError(int error, SyncRole role);
// A request outside the table (GET_INFO, dumps, timeouts).
absl::Status RequestError(int error, const std::string& what);
absl::Status NotAvailableError();

}  // namespace lvs::ipvs
