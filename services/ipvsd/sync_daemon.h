// lvs_sync_daemon: which of the kernel's connection sync daemons run, from the config
// and the VRRP role vrrpd reports for the instance it follows, and the kernel calls
// that get there. WantedSyncDaemons is the pure rule; SyncDaemonController keeps the
// role and converges the kernel's daemons on it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lvs/v1/config.pb.h"
#include "services/ipvsd/ipvs_kernel.h"
#include "spdlog/spdlog.h"

namespace lvs::ipvs {

// keepalived's rules: following an instance, one daemon, backup until vrrpd says
// MASTER; following none (or one the file does not have), a master and a backup at
// once. The sync id defaults to the followed instance's VRID. Empty: none configured.
std::vector<SyncDaemon> WantedSyncDaemons(const lvs::v1::Config& config,
                                          std::optional<SyncRole> role);

class SyncDaemonController {
 public:
  SyncDaemonController(IpvsKernel* kernel, std::shared_ptr<spdlog::logger> log)
      : kernel_(kernel), log_(std::move(log)) {}

  // The config to follow (start, reload); then Apply().
  void Configure(const lvs::v1::Config& config) { config_ = config; }
  // The vrrp_instance lvs_sync_daemon names, or empty.
  const std::string& instance() const {
    return config_.global_defs().lvs_sync_daemon().vrrp_instance();
  }
  // vrrpd's state of an instance: the followed one's MASTER makes the daemon a master.
  void OnVrrpState(const std::string& instance, lvs::v1::VrrpState state);
  // Starts, stops or restarts the kernel's daemons to match.
  void Apply();

 private:
  IpvsKernel* kernel_;
  std::shared_ptr<spdlog::logger> log_;
  lvs::v1::Config config_;
  std::optional<SyncRole> role_;
};

}  // namespace lvs::ipvs
