// What the config asks of the IPVS table, in the kernel's terms: the config model's
// virtual_server (and virtual_server_group) blocks turned into service and real
// server specs plus the keepalived behaviour attached to them (quorum, sorry server,
// inhibit_on_failure, alpha, hooks).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lvs/v1/config.pb.h"
#include "services/ipvsd/ipvs_types.h"

namespace lvs::ipvs {

struct RealConfig {
  DestSpec spec;  // weight: the configured weight
  bool inhibit_on_failure = false;
  bool alpha = false;         // starts down until its checks pass
  bool has_checkers = false;  // without checkers a real is always up
  std::string target_id;      // checkd's id: "TCP 192.168.64.100:80 -> 192.168.64.143:80"
  std::string notify_up;
  std::string notify_down;
  lvs::v1::RealServer source;  // for the checkd target
  uint32_t delay_loop_ms = 0;
};

struct ServiceConfig {
  ServiceSpec spec;
  std::vector<RealConfig> reals;
  uint32_t quorum = 1;
  uint32_t hysteresis = 0;
  std::string quorum_up;
  std::string quorum_down;
  std::optional<DestSpec> sorry_server;
  bool sorry_server_inhibit = false;
  bool omega = false;
  bool smtp_alert = false;  // mail its quorum changes (reals: RealConfig::source)
  bool ha_suspend = false;  // checks only while its address is local (never for a fwmark)
};

// checkd's id for a real of a service.
std::string TargetId(const ServiceKey& service, const DestKey& real);

// Every service the config declares, virtual_server_group entries expanded. Errors
// (bad addresses, an unknown group) are INVALID_ARGUMENT naming the block's line.
absl::StatusOr<std::vector<ServiceConfig>> ServicesFromConfig(const lvs::v1::Config& config);

}  // namespace lvs::ipvs
