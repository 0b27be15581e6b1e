// How lvsctl names services and real servers on the command line, as ipvsadm does:
//   service:  "TCP 192.168.64.100:80", "tcp:192.168.64.100:80", "192.168.64.100:80"
//             (TCP), "UDP [2001:db8::1]:53", "fwmark:7" / "FWM 7"
//   real:     "192.168.64.143:80", "[2001:db8::5]:80"
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lvs/v1/ipvs.pb.h"

namespace lvs::cli {

absl::StatusOr<lvs::v1::ServiceKey> ParseServiceKey(absl::string_view text);
absl::StatusOr<lvs::v1::RealKey> ParseRealKey(absl::string_view text);
std::string FormatServiceKey(const lvs::v1::ServiceKey& key);
std::string FormatRealKey(const lvs::v1::RealKey& key);

}  // namespace lvs::cli
