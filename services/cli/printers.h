// Human-readable forms of the daemons' answers, shared by `status`, `show` and `watch`.
#pragma once

#include <string>

#include "lvs/v1/check.pb.h"
#include "lvs/v1/ipvs.pb.h"
#include "lvs/v1/vrrp.pb.h"

namespace lvs::cli {

// "12s", "5m", "3h" since a unix-ms timestamp; "-" when unknown.
std::string Ago(int64_t unix_ms);
std::string VrrpTable(const lvs::v1::VrrpStatus& status, bool with_counters);
// ipvsadm -Ln's layout plus weight/configured weight, health and override columns.
std::string ServicesTable(const lvs::v1::ListServicesResponse& table);
std::string ServiceBlock(const lvs::v1::IpvsService& service);
std::string ChecksTable(const lvs::v1::ListChecksResponse& checks);
std::string VrrpEventLine(const lvs::v1::VrrpStateEvent& e);
std::string TableEventLine(const lvs::v1::TableEvent& e);
std::string HealthEventLine(const lvs::v1::HealthEvent& e);

}  // namespace lvs::cli
