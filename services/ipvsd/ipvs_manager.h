// ipvsd's core: owns the desired table (config ∩ health ∩ overrides) and keeps the
// kernel's equal to it. Runs on the daemon's loop thread only; talks to the kernel
// through IpvsKernel, so unit tests can drive it with the fake.
//
//   start     parse, load state, dump the kernel and converge by diff (adopt, never flush)
//   resync    periodic: dump (off the loop) and converge again, logging any drift it repairs
//   health    one service re-diffed against the cached table: one change, one operation
//   listing   the cached table (counters as of the last resync), no kernel dump
//   reload    read and validate first; an invalid file changes nothing
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/config/config_parser.h"
#include "lib/event/clock.h"
#include "lib/mail/mailer.h"
#include "lvs/v1/check.pb.h"
#include "lvs/v1/config.pb.h"
#include "lvs/v1/ipvs.pb.h"
#include "services/ipvsd/desired_table.h"
#include "services/ipvsd/health_inputs.h"
#include "services/ipvsd/ipvs_kernel.h"
#include "services/ipvsd/passive_health.h"
#include "services/ipvsd/service_config.h"
#include "services/ipvsd/state_store.h"
#include "services/ipvsd/sync_daemon.h"
#include "spdlog/spdlog.h"

namespace lvs::ipvs {

class IpvsManager {
 public:
  struct Options {
    // Reads the config (the daemon: the file, with --strict-config's rule); the
    // manager takes what it returns and never sees a path. Errors in the text are
    // diagnostics in the result; a failed status is a file that cannot be read.
    std::function<absl::StatusOr<config::ParseResult>()> read_config;
    event::WallClock wall_clock = event::SystemWallClock;
    // Runs a notify/quorum hook; the daemon spawns it (lib/proc), tests record.
    std::function<void(const Hook& hook)> run_hook;
    // keepalived's notify_fifo / lvs_notify_fifo: (re)configured with each config
    // applied, and given one line per event ("VS [10.0.0.1]:tcp:80 UP",
    // "RS [10.0.0.2]:tcp:80 [10.0.0.1]:tcp:80 DOWN"). Unset: none.
    std::function<void(const lvs::v1::GlobalDefs& global)> configure_notify_fifos;
    std::function<void(const std::string& line)> notify_fifo_line;
    // Own every service in the kernel, not only the config's: others are deleted.
    bool own_whole_table = false;
    // Runs a task later on the manager's loop. Set, health events arriving in a
    // burst (checkd's first verdicts for thousands of reals) are applied in one
    // pass; unset (unit tests), each is applied at once.
    std::function<void(std::function<void()>)> defer;
    // Reads the kernel table off the loop (the daemon: a thread with its own netlink
    // socket) and calls back on the loop, so a resync of 10k services does not hold
    // up health changes and RPCs. Unset (unit tests): the resync dumps in place.
    std::function<void(std::function<void(absl::StatusOr<Table>)>)> dump_async;
    // Asks checkd to run a target's checks now (CheckNow): the passive check took
    // its real out. Unset: nothing is asked (unit tests record it).
    std::function<void(const std::string& target_id, const std::string& reason)> check_now;
  };

  IpvsManager(IpvsKernel* kernel, StateStore* store, Options options);

  absl::Status Start();
  void Resync();
  // Daemon stopping: with `omega`, keepalived's shutdown notifications (quorum_down
  // for a service that had quorum, notify_down for each real that was up). The
  // kernel table stays as it is, unless lvs_flush_on_stop says otherwise.
  void Shutdown();

  // checkd.
  void OnHealth(const lvs::v1::HealthEvent& event);
  void OnCheckerConnected(bool connected);
  // Applies the health changes OnHealth queued (see Options::defer).
  void ApplyPendingHealth();
  std::vector<lvs::v1::CheckTarget> Targets() const;
  // vrrpd: the state of the instance lvs_sync_daemon follows.
  void OnVrrpState(const std::string& instance, lvs::v1::VrrpState state);
  // The addresses on this host's interfaces (LocalAddresses): ha_suspend services
  // are probed only while theirs is among them.
  void OnLocalAddresses(const std::set<net::IpAddress>& addresses);
  // Passive health (lvsha_passive_check): whether any service has it, and one
  // sample of the kernel's connection table (/proc/net/ip_vs_conn's text).
  bool PassiveEnabled() const { return passive_.enabled(); }
  void OnConnectionTable(absl::Time now, std::string_view table_text);
  const PassiveHealth& passive() const { return passive_; }
  // The vrrp_instance that lvs_sync_daemon names, or empty.
  std::string SyncInstance() const;

  // The Ipvs API.
  lvs::v1::ReloadResponse Reload(bool dry_run);
  absl::Status SetOverride(const lvs::v1::SetOverrideRequest& request);
  absl::StatusOr<uint32_t> Flush(const std::string& confirm);
  lvs::v1::ListServicesResponse List();
  absl::StatusOr<lvs::v1::IpvsService> Get(const lvs::v1::ServiceKey& key);
  std::vector<lvs::v1::TableEvent> Snapshot();

  void set_on_table_event(std::function<void(const lvs::v1::TableEvent&)> cb) {
    on_table_event_ = std::move(cb);
  }
  void set_on_targets_changed(std::function<void()> cb) { on_targets_changed_ = std::move(cb); }
  std::string StatusLine() const;

 private:
  // Computes the desired table and applies the difference for `keys` (all when
  // unset) against the cached kernel table. Returns the operations applied.
  std::vector<Operation> Converge(const std::optional<std::set<ServiceKey>>& keys,
                                  const std::string& reason);
  absl::Status DumpKernel();
  // Reload's second half, once the new config's diff is known: the config, its
  // services and the services owned until the table converges take over.
  void CommitReload(config::ParseResult parsed, std::vector<ServiceConfig> services,
                    const std::set<ServiceKey>& owned);
  void ConvergeResync();
  // All services, or only those in `only`.
  DesiredTable ComputeDesired(const std::set<ServiceKey>* only);
  void RunTransitionHooks(const DesiredTable& before, const DesiredTable& after,
                          const std::set<ServiceKey>* only);
  void RunShutdownHooks();
  void FifoLine(const std::string& line);
  // keepalived's smtp_alert mails: RunTransitionHooks and RunShutdownHooks send
  // those of a change and of the stop; MailRemovedReals those of a reload.
  void MailRemovedReals(const std::vector<ServiceConfig>& next);
  // global_defs' lvs_timeouts (start and reload) and lvs_flush_on_stop (stop).
  void ApplyTimeouts();
  void FlushOnStop();
  void Persist();
  void ApplySyncRole();  // the config to sync_, and the kernel's daemons to it
  lvs::v1::IpvsService ServiceProto(const ServiceConfig& sc) const;
  const ServiceConfig* FindService(const ServiceKey& key) const;
  void Publish(const std::set<ServiceKey>& keys, const std::string& reason);
  std::set<ServiceKey> ConfigKeys() const;
  std::set<ServiceKey> Owned() const;
  std::set<ServiceKey> OwnedAmong(const std::set<ServiceKey>& keys) const;
  void SetServices(std::vector<ServiceConfig> services);
  void LogSuspensions(const std::vector<HealthInputs::Suspension>& changes);

  IpvsKernel* kernel_;
  StateStore* store_;
  Options options_;
  std::shared_ptr<spdlog::logger> log_;

  lvs::v1::Config config_;
  size_t config_warnings_ = 0;  // of the file last applied
  std::vector<ServiceConfig> services_;
  std::map<ServiceKey, size_t> service_index_;     // into services_
  HealthInputs inputs_;                            // checkd's verdicts, ha_suspend
  PassiveHealth passive_;                          // lvsha_passive_check's detectors and ejections
  std::map<std::string, RealRef> real_of_target_;  // checkd's ids
  OverrideMap overrides_;
  std::set<ServiceKey> owned_;
  std::map<ServiceKey, bool> quorum_;
  Table actual_;  // the kernel's, as last dumped plus what ipvsd applied since
  absl::Time actual_at_ = absl::InfinitePast();  // when last dumped
  uint64_t table_generation_ = 0;                // bumped by every change to actual_
  bool dump_in_flight_ = false;
  int stale_dumps_ = 0;  // async dumps discarded in a row
  DesiredTable desired_;
  std::vector<std::string> last_failures_;  // the kernel's refusals in the last Converge
  // Refusals already logged at error level: a resync that meets the same one again
  // logs it at debug, so a lasting refusal does not flood the log.
  std::set<std::string> known_failures_;
  bool checker_connected_ = false;
  bool flushed_ = false;
  SyncDaemonController sync_;
  std::function<void(const lvs::v1::TableEvent&)> on_table_event_;
  std::function<void()> on_targets_changed_;
  // Services whose reals' health changed since the last pass (Options::defer).
  std::set<ServiceKey> pending_health_;
  bool health_pass_queued_ = false;
  mail::AlertMail mail_;
};

}  // namespace lvs::ipvs
