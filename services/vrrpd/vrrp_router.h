// The daemon's I/O layer around the pure cores: one VrrpStateMachine per
// vrrp_instance, the raw VRRP sockets it shares, VIPs, GARP/NA, notify and track
// scripts, timers on the event loop. Everything here runs on the loop thread; the
// gRPC service reaches it through EventLoop::RunSync.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/event/clock.h"
#include "lib/event/event_loop.h"
#include "lib/mail/mailer.h"
#include "lib/proc/credentials.h"
#include "lib/proc/notify_fifo.h"
#include "lib/proc/script_runner.h"
#include "lib/rpc/watch_hub.h"
#include "lib/track/file_watcher.h"
#include "lvs/v1/vrrp.pb.h"
#include "services/vrrpd/garp_sender.h"
#include "services/vrrpd/link_monitor.h"
#include "services/vrrpd/nft_firewall.h"
#include "services/vrrpd/vip_manager.h"
#include "services/vrrpd/vmac_manager.h"
#include "services/vrrpd/vrrp_instance_spec.h"
#include "services/vrrpd/vrrp_socket.h"
#include "services/vrrpd/vrrp_state_machine.h"
#include "services/vrrpd/vrrp_sync_group.h"

namespace lvs::vrrp {

v1::VrrpState ToProto(State s);

class VrrpRouter {
 public:
  // `wall_clock` dates each instance's last transition (since_unix_ms, events' at).
  VrrpRouter(event::EventLoop& loop, std::shared_ptr<spdlog::logger> log,
             event::WallClock wall_clock = event::SystemWallClock);
  ~VrrpRouter();

  // Opens rtnetlink and the link monitor.
  absl::Status Init();

  // Applies a config as a diff against what runs: removed and changed instances
  // stop (priority 0, VIPs removed), new and changed ones start after removing any
  // stale copy of their VIPs, unchanged ones keep their state. `changes` gets one
  // line per change. Nothing is touched when the config is invalid or on a dry run.
  absl::Status Apply(const v1::Config& config, bool dry_run, std::vector<std::string>* changes);

  // Every instance stops: a master sends priority 0 and removes its VIPs. Idempotent.
  void Shutdown();

  absl::StatusOr<v1::VrrpStatus> Status(const std::string& instance) const;
  void set_config_warnings(size_t n) { config_warnings_ = n; }
  absl::StatusOr<State> RequestFailover(const std::string& instance);
  absl::StatusOr<State> SetAdminState(const std::string& instance, bool up);
  // The snapshot events of WatchState, and the subscription taken with it.
  std::shared_ptr<rpc::WatchHub<v1::VrrpStateEvent>::Subscription> Watch(
      const std::string& instance);
  rpc::WatchHub<v1::VrrpStateEvent>& hub() { return hub_; }
  bool HasInstance(const std::string& name) const { return instances_.count(name) > 0; }

  void set_router_id(std::string id) { router_id_ = std::move(id); }

 private:
  struct Counters {
    uint64_t adverts_tx = 0, adverts_rx = 0, garp_tx = 0, priority_zero_rx = 0,
             priority_zero_tx = 0, vips_repaired = 0;
    std::map<RejectReason, uint64_t> rx_errors;
  };
  // A notify script ready to run: its command line and whom it runs as (none: it
  // does not run, as its user does not exist; logged when it was resolved).
  struct NotifyCommand {
    std::string command;
    std::optional<proc::Credentials> run_as;
  };
  struct NotifyScripts {
    NotifyCommand master, backup, fault, stop, generic;
    NotifyCommand master_rx_lower_pri;
  };
  struct Instance;
  struct SocketEntry;
  struct TrackScript;

  struct ReloadPlan {
    std::vector<std::string> stop;    // removed or changed beyond VIPs/notify: restarted
    std::vector<std::string> update;  // only VIPs or notify scripts changed: kept running
  };
  // Decides what a reload does to each running instance; describes every change.
  ReloadPlan Plan(const std::vector<InstanceSpec>& specs, std::vector<std::string>* changes) const;
  void UpdateInPlace(Instance& inst, const InstanceSpec& wanted);
  // A reload's instances against the live system: each interface (and VIP dev) a
  // started or restarted one needs exists.
  absl::Status CheckInterfacesExist(const std::vector<InstanceSpec>& specs,
                                    const ReloadPlan& plan) const;
  // global_defs and the sync groups' settings: router_id, the groups' notify scripts
  // and mail, the FIFOs, the firewall.
  void ApplyGlobals(const v1::Config& config);
  absl::Status StartInstance(InstanceSpec spec);
  // The instance's socket (on its macvlan with use_vmac, which is made first); its
  // VRID must be free there.
  absl::StatusOr<SocketEntry*> SocketForInstance(const InstanceSpec& spec);
  // A new instance's first inputs: its tracked items' states, then Start.
  void BeginInstance(Instance& inst);
  // StartInstance, or, when the interface does not exist, waiting for it.
  absl::Status StartOrWait(InstanceSpec spec);
  void RetryWaiting();
  void ReopenIfRecreated(const std::string& ifname);
  void ArmVipWatch();
  void RepairVips();
  static constexpr absl::Duration kVipWatchInterval = absl::Seconds(1);
  void StopInstance(Instance& inst, std::string_view reason);
  // Feeds one input to an instance, performs the actions, re-arms its timer and
  // lets its sync group follow.
  void Drive(Instance& inst, const std::function<Actions(VrrpStateMachine&)>& input);
  // Removes VIPs a previous run left once this instance is not going to be master
  // by them: it hears another live master (other_master), or it is FAULT/STOPPED.
  void SettleLeftOverVips(Instance& inst, const net::IpAddress* other_master);
  void Perform(Instance& inst, const Actions& actions);
  // Makes the nftables drop rules match the instances that hold their VIPs without
  // accepting traffic for them (keepalived's non-accept mode). Called before VIPs
  // are added and after they are removed, so no window lets traffic in.
  void SyncFirewall();
  // promote_secondaries: set to 1 on `ifname` when it is 0, and remembered so that
  // Shutdown puts it back.
  void PromoteSecondaries(const std::string& ifname);
  // notify_fifo / vrrp_notify_fifo: (re)opened when the config's differ.
  void OpenFifos(const v1::GlobalDefs& global);
  void SendAdvert(Instance& inst, uint8_t priority);
  void SendGarps(Instance& inst, uint32_t count);
  void Announce(Instance& inst, const Vip& vip);
  void RunNotify(Instance& inst, State state);
  // notify_master_rx_lower_pri and its FIFO line, as keepalived's send_event_notify.
  void RunLowerPriorityNotify(Instance& inst);
  // keepalived's smtp_alert mails for instances and sync groups.
  void MailInstance(Instance& inst, State state);
  void MailGroup(const std::string& group, State state);
  void RunNotifyScripts(const NotifyScripts& scripts, const char* kind, const std::string& name,
                        State state, int priority, bool secure_only);
  // Each script's own user, else `default_user` (keepalived's: a script whose user
  // cannot be found is not run). `owner` names the instance or group in the log.
  NotifyScripts ResolveNotify(const NotifySpecs& specs,
                              const absl::StatusOr<proc::Credentials>& default_user,
                              const std::string& owner) const;
  // Who each script of `spec` runs as; a script whose user does not exist, or that
  // enable_script_security finds unsafe, is disabled (and untracked), as keepalived.
  void ResolveScriptUsers(Instance& inst, InstanceSpec& spec);
  void ArmTimer(Instance& inst);
  void OnTimer(const std::string& name);
  absl::StatusOr<SocketEntry*> SocketFor(const std::string& ifname, net::IpFamily family);
  // Closes a socket no instance uses any more (its interface may be going away).
  void ReleaseSocket(SocketEntry* entry);
  void OnReadable(SocketEntry& entry);
  void HandleAdvert(SocketEntry& entry, const ReceivedAdvert& rx);
  void CountReject(SocketEntry& entry, Instance* inst, RejectReason reason,
                   const net::IpAddress* src);
  GarpSender* GarpFor(const std::string& ifname);
  void OnLink(const std::string& ifname, bool up);
  void StartTrackScripts(Instance& inst);
  // track_file: watched (inotify) and read now; each change re-reads it.
  void StartTrackFiles(Instance& inst);
  void ReadTrackFile(const std::string& instance, size_t index);
  void RunTrackScript(const std::string& instance, size_t index);
  void RebuildSyncGroups();
  v1::VrrpStateEvent Event(const Instance& inst, State from, State to, const std::string& reason,
                           bool snapshot) const;
  Instance* Find(const std::string& name) const;
  static void InstanceStatus(const std::string& name, const Instance& inst,
                             v1::VrrpInstanceStatus* s);

  event::EventLoop& loop_;
  std::shared_ptr<spdlog::logger> log_;
  const event::WallClock wall_clock_;
  std::unique_ptr<VipManager> vips_;
  std::unique_ptr<VmacManager> vmacs_;
  std::unique_ptr<LinkMonitor> links_;
  proc::ScriptRunner scripts_;
  std::unique_ptr<track::FileWatcher> files_;  // made with the first track_file
  proc::NotifyFifo fifo_, vrrp_fifo_;          // notify_fifo, vrrp_notify_fifo
  NftFirewall firewall_;
  std::string firewall_error_;      // the last failure, logged once until it changes
  std::set<std::string> promoted_;  // interfaces whose promote_secondaries vrrpd set
  std::string router_id_;
  size_t config_warnings_ = 0;  // of the file last applied, for GetStatus
  std::map<std::string, std::unique_ptr<Instance>> instances_;
  // Instances whose interface does not exist (yet): FAULT in the status, started when
  // it appears (a link event, or the retry timer), as keepalived does.
  std::map<std::string, InstanceSpec> waiting_;
  event::EventLoop::TimerId waiting_timer_ = 0;
  event::EventLoop::TimerId vip_watch_timer_ = 0;
  bool applied_once_ = false;  // after the first Apply, reloads are validated live
  std::map<std::pair<std::string, net::IpFamily>, std::unique_ptr<SocketEntry>> sockets_;
  std::map<std::string, std::unique_ptr<GarpSender>> garp_;
  std::vector<std::unique_ptr<VrrpSyncGroup>> groups_;
  std::map<std::string, NotifyScripts> group_notify_;
  bool group_script_security_ = false;  // enable_script_security, for the groups' scripts
  std::set<std::string> group_mail_;    // sync groups whose smtp_alert is on
  std::map<std::string, State> group_last_mailed_;
  mail::AlertMail mail_;
  rpc::WatchHub<v1::VrrpStateEvent> hub_;
  bool following_ = false;  // a sync group is propagating: do not propagate again
  bool shut_down_ = false;
};

}  // namespace lvs::vrrp
