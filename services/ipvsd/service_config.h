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

// A notify_up/notify_down/quorum_up/quorum_down script as keepalived's checker
// process runs it: its own user, else global_defs' script_user, else
// keepalived_script, else root; with enable_script_security, not run when anyone
// but root could replace it.
struct Hook {
  std::string command;                    // empty: none
  std::string user, group;                // the script's own; empty: the default script user
  std::string script_user, script_group;  // global_defs'
  bool script_security = false;
  bool empty() const { return command.empty(); }
  friend bool operator==(const Hook&, const Hook&) = default;
};

Hook HookOf(const lvs::v1::NotifyScript& script, const lvs::v1::GlobalDefs& global);

struct RealConfig {
  DestSpec spec;  // weight: the configured weight
  bool inhibit_on_failure = false;
  bool alpha = false;         // starts down until its checks pass
  bool has_checkers = false;  // without checkers a real is always up
  std::string target_id;      // checkd's id: "TCP 192.168.64.100:80 -> 192.168.64.143:80"
  Hook notify_up;
  Hook notify_down;
  lvs::v1::RealServer source;  // for the checkd target
  uint32_t delay_loop_ms = 0;
};

// lvsha_passive_check, resolved (the config builder fills in global_defs' and the defaults).
struct PassiveConfig {
  bool enabled = false;
  uint32_t min_failures = 3;
  uint32_t max_ejected_percent = 50;
};

struct ServiceConfig {
  ServiceSpec spec;
  std::vector<RealConfig> reals;
  uint32_t quorum = 1;
  uint32_t hysteresis = 0;
  Hook quorum_up;
  Hook quorum_down;
  std::optional<DestSpec> sorry_server;
  bool sorry_server_inhibit = false;
  bool omega = false;
  bool smtp_alert = false;  // mail its quorum changes (reals: RealConfig::source)
  bool ha_suspend = false;  // checks only while its address is local (never for a fwmark)
  PassiveConfig passive;
};

// checkd's id for a real of a service.
std::string TargetId(const ServiceKey& service, const DestKey& real);

// Every service the config declares, virtual_server_group entries expanded. Errors
// (bad addresses, an unknown group) are INVALID_ARGUMENT naming the block's line.
absl::StatusOr<std::vector<ServiceConfig>> ServicesFromConfig(const lvs::v1::Config& config);

}  // namespace lvs::ipvs
