#include "services/ipvsd/sync_daemon.h"

#include <algorithm>
#include <set>

namespace lvs::ipvs {

std::vector<SyncDaemon> WantedSyncDaemons(const lvs::v1::Config& config,
                                          std::optional<SyncRole> role) {
  const auto& cfg = config.global_defs().lvs_sync_daemon();
  if (cfg.interface().empty()) return {};
  const bool follows =
      std::any_of(config.vrrp_instances().begin(), config.vrrp_instances().end(),
                  [&](const auto& vi) { return vi.name() == cfg.vrrp_instance(); });
  std::vector<SyncRole> roles;
  if (follows) {
    roles.push_back(role.value_or(SyncRole::kBackup));
  } else {
    roles = {SyncRole::kMaster, SyncRole::kBackup};
  }
  uint32_t sync_id = cfg.sync_id();
  if (sync_id == 0) {
    for (const auto& vi : config.vrrp_instances())
      if (vi.name() == cfg.vrrp_instance()) sync_id = vi.virtual_router_id();
  }
  std::vector<SyncDaemon> wanted;
  for (SyncRole r : roles) {
    SyncDaemon d;
    d.role = r;
    d.interface = cfg.interface();
    d.sync_id = sync_id;
    d.max_len = static_cast<uint16_t>(cfg.max_len());
    d.port = static_cast<uint16_t>(cfg.port());
    d.ttl = static_cast<uint8_t>(cfg.ttl());
    if (!cfg.group().empty()) d.group = net::IpAddress::Parse(cfg.group());
    wanted.push_back(std::move(d));
  }
  return wanted;
}

void SyncDaemonController::OnVrrpState(const std::string& instance, lvs::v1::VrrpState state) {
  if (instance.empty() || instance != this->instance()) return;
  SyncRole role = state == lvs::v1::MASTER ? SyncRole::kMaster : SyncRole::kBackup;
  if (role_ == role) return;
  log_->info("vrrp instance {} is {}: connection sync daemon becomes {}", instance,
             lvs::v1::VrrpState_Name(state), role == SyncRole::kMaster ? "master" : "backup");
  role_ = role;
  Apply();
}

void SyncDaemonController::Apply() {
  auto running = kernel_->GetSyncDaemons();
  if (!running.ok()) {
    log_->error("connection sync: {}", std::string(running.status().message()));
    return;
  }
  // None configured (or no longer): what we may have started is stopped below.
  const std::vector<SyncDaemon> wanted = WantedSyncDaemons(config_, role_);
  // The kernel reports its defaults for the options the config leaves out.
  auto matches = [](const SyncDaemon& r, const SyncDaemon& d) {
    return r.role == d.role && r.interface == d.interface && r.sync_id == d.sync_id &&
           (d.max_len == 0 || r.max_len == d.max_len) && (d.port == 0 || r.port == d.port) &&
           (d.ttl == 0 || r.ttl == d.ttl) && (!d.group || r.group == d.group);
  };
  std::set<SyncRole> running_ok;
  for (const SyncDaemon& r : *running) {
    if (std::any_of(wanted.begin(), wanted.end(),
                    [&](const SyncDaemon& d) { return matches(r, d); })) {
      running_ok.insert(r.role);
      continue;
    }
    if (absl::Status s = kernel_->StopSyncDaemon(r.role); !s.ok())
      log_->error("{}", std::string(s.message()));
  }
  for (const SyncDaemon& d : wanted) {
    if (running_ok.count(d.role)) continue;
    if (absl::Status s = kernel_->StartSyncDaemon(d); !s.ok()) {
      log_->error("{}", std::string(s.message()));
    } else {
      log_->info("connection sync daemon started as {} on {} (sync id {})",
                 d.role == SyncRole::kMaster ? "master" : "backup", d.interface, d.sync_id);
    }
  }
}

}  // namespace lvs::ipvs
