// The few facts about this machine that realserver/doctor read or change, through
// rtnetlink (libnl-route) and /proc/sys.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace lvs::cli {

struct AddressOnLink {
  std::string address;  // canonical text
  int prefix_len = 0;
  std::string label;
};

struct LinkInfo {
  bool exists = false;
  bool up = false;
  bool multicast = false;
};

absl::StatusOr<std::vector<AddressOnLink>> AddressesOn(const std::string& ifname);
absl::StatusOr<LinkInfo> Link(const std::string& ifname);
absl::Status SetLinkUp(const std::string& ifname);
absl::Status AddAddress(const std::string& ifname, const std::string& address, int prefix_len);
absl::Status DeleteAddress(const std::string& ifname, const std::string& address, int prefix_len);
// "" when it cannot be read.
std::string ReadSysctl(const std::string& name);
absl::Status WriteSysctl(const std::string& name, const std::string& value);
// Whether the kernel answers for the generic netlink family "IPVS".
bool IpvsAvailable();

}  // namespace lvs::cli
