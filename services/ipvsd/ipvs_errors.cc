#include "services/ipvsd/ipvs_errors.h"

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace lvs::ipvs {
namespace {

absl::Status WithCode(int error, const std::string& message) {
  switch (error) {
    case EEXIST: return absl::AlreadyExistsError(message);
    case ENOENT:
    case ESRCH: return absl::NotFoundError(message);
    case EINVAL:
    case ERANGE:
    case EAFNOSUPPORT: return absl::InvalidArgumentError(message);
    case EPERM:
    case EACCES: return absl::PermissionDeniedError(message);
    case ENOMEM:
    case ENOBUFS: return absl::ResourceExhaustedError(message);
    case ENODEV:
    case EBUSY: return absl::FailedPreconditionError(message);
  }
  return absl::UnknownError(message);
}

std::string Meaning(int error, const Operation& op) {
  using Kind = Operation::Kind;
  switch (error) {
    case EEXIST: return op.is_dest() ? "real server already exists" : "service already exists";
    case ESRCH: return "service does not exist";
    case ENOENT:
      if (op.kind == Kind::kAddService || op.kind == Kind::kEditService)
        return absl::StrCat("scheduler '", op.service.scheduler, "'",
                            op.service.pe_name.empty()
                                ? ""
                                : absl::StrCat(" or persistence engine '", op.service.pe_name, "'"),
                            " is not available in this kernel");
      return "real server does not exist";
    case ERANGE:
      return "weight or connection thresholds out of range (weight >= 0, lower <= upper)";
    case EINVAL:
      if (op.is_dest() && op.dest.forwarding != Forwarding::kNat)
        return "invalid real server: with DR or TUN its address must be unicast and routable "
               "from this host";
      return "invalid parameters (address family, protocol, port or netmask)";
    case EAFNOSUPPORT: return "address family not supported (kernel without IPv6 IPVS?)";
    case EPERM:
    case EACCES: return "permission denied: changing IPVS needs CAP_NET_ADMIN";
    case ENOMEM: return "the kernel is out of memory";
  }
  return std::strerror(error);
}

}  // namespace

absl::Status KernelError(int error, const Operation& op) {
  return WithCode(error, absl::StrCat(op.ToString(), ": ", Meaning(error, op)));
}

absl::Status SyncDaemonError(int error, SyncRole role) {
  const char* name = role == SyncRole::kMaster ? "master" : "backup";
  std::string meaning;
  switch (error) {
    case EEXIST: meaning = "already running"; break;
    case ESRCH: meaning = "not running"; break;
    case ENODEV: meaning = "the multicast interface does not exist"; break;
    case EINVAL: meaning = "invalid parameters (interface name, sync id, group or port)"; break;
    default: meaning = std::strerror(error);
  }
  return WithCode(error, absl::StrCat("connection sync daemon (", name, "): ", meaning));
}

absl::Status RequestError(int error, const std::string& what) {
  return WithCode(error, absl::StrCat(what, ": ", std::strerror(error)));
}

absl::Status NotAvailableError() {
  return absl::UnavailableError(
      "the kernel has no IPVS (generic netlink family \"IPVS\" not found; is ip_vs loaded?)");
}

}  // namespace lvs::ipvs
