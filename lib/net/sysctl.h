// /proc/sys/net, read and written as the daemons need it (an interface's IPv4 and
// IPv6 settings: arp_ignore for a VMAC, promote_secondaries, disable_ipv6).
#pragma once

#include <optional>
#include <string>

#include "absl/status/status.h"

namespace lvs::net {

// "/proc/sys/net/ipv4/conf/IFNAME/KEY" (family "ipv4" or "ipv6").
std::string InterfaceSysctl(const char* family, const std::string& ifname, const char* key);

// The first word of the file; none when it cannot be read.
std::optional<std::string> ReadSysctl(const std::string& path);

// UNAVAILABLE naming the path when the value is not taken.
absl::Status WriteSysctl(const std::string& path, const std::string& value);

}  // namespace lvs::net
