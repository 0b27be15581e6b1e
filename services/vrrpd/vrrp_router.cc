#include "services/vrrpd/vrrp_router.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/epoll.h>

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/message_differencer.h"
#include "lib/net/sysctl.h"
#include "lib/track/tracked_file.h"
#include "lib/proc/command_line.h"

namespace lvs::vrrp {
namespace {

// A timer that fires later than this is logged: the protocol's margins are the skew.
constexpr absl::Duration kLateTimerLog = absl::Milliseconds(20);
// Bad packets are logged at most once per interval per socket and reason.
constexpr absl::Duration kRejectLogInterval = absl::Seconds(10);

}  // namespace

v1::VrrpState ToProto(State s) {
  switch (s) {
    case State::kInit: return v1::INIT;
    case State::kBackup: return v1::BACKUP;
    case State::kMaster: return v1::MASTER;
    case State::kFault: return v1::FAULT;
    case State::kStopped: return v1::STOPPED;
  }
  return v1::VRRP_STATE_UNSPECIFIED;
}

struct VrrpRouter::TrackScript {
  TrackScriptSpec spec;
  std::optional<proc::Credentials> run_as;
  int successes = 0;
  int failures = 0;
  bool reported = false;  // its first result is in (that one counts whatever rise/fall say)
  bool running = false;
  event::EventLoop::TimerId timer = 0;
};

struct VrrpRouter::Instance {
  InstanceSpec spec;
  InstanceSpec original;  // as given to StartInstance, to start it afresh
  unsigned ifindex = 0;   // of spec.interface when started: a re-created one differs
  std::unique_ptr<VrrpStateMachine> sm;
  SocketEntry* socket = nullptr;
  net::IpAddress src;
  std::vector<net::IpAddress> destinations;
  InstanceExpectation expect;
  event::EventLoop::TimerId timer = 0;
  Counters counters;
  bool admin_down = false;
  int64_t since_unix_ms = 0;
  std::vector<TrackScript> scripts;
  NotifyScripts notify;  // spec.notify with each script's user resolved
  // A previous run killed with -9 (or crashed) may have left the VIPs on the
  // interface. They stay until another master is heard, so a master whose vrrpd
  // is restarted within Master_Down keeps serving instead of dropping the VIP for
  // the seconds until someone takes over; see SettleLeftOverVips.
  bool vips_left_over = false;
  bool vips_set = false;               // its VIPs are (being) added: master, by this run
  std::vector<uint64_t> file_watches;  // FileWatcher ids of its track_files
  std::vector<int64_t> file_values;    // each track_file's last number
  std::optional<State> last_mailed;    // the state its last smtp_alert mail announced
};

struct VrrpRouter::SocketEntry {
  std::unique_ptr<VrrpSocket> socket;
  std::map<uint8_t, Instance*> by_vrid;
  std::map<RejectReason, uint64_t> unattributed;  // packets no instance could be blamed for
  std::map<RejectReason, absl::Time> last_logged;
  std::map<RejectReason, uint64_t> suppressed;
};

VrrpRouter::VrrpRouter(event::EventLoop& loop, std::shared_ptr<spdlog::logger> log,
                       event::WallClock wall_clock)
    : loop_(loop),
      log_(std::move(log)),
      wall_clock_(std::move(wall_clock)),
      scripts_(loop, log_),
      mail_(log_) {}

VrrpRouter::~VrrpRouter() {
  for (auto& [name, inst] : instances_) {
    loop_.CancelTimer(inst->timer);
    for (TrackScript& t : inst->scripts) loop_.CancelTimer(t.timer);
  }
  for (auto& [key, entry] : sockets_) loop_.RemoveFd(entry->socket->fd());
  hub_.Close();
}

absl::Status VrrpRouter::Init() {
  auto vips = VipManager::Create();
  if (!vips.ok()) return vips.status();
  vips_ = std::move(*vips);
  auto vmacs = VmacManager::Create();
  if (!vmacs.ok()) return vmacs.status();
  vmacs_ = std::move(*vmacs);
  auto links =
      LinkMonitor::Open(loop_, [this](const std::string& ifname, bool up) { OnLink(ifname, up); });
  if (!links.ok()) return links.status();
  links_ = std::move(*links);
  ArmVipWatch();
  return absl::OkStatus();
}

namespace {

// Every address on the host's interfaces now (labels included).
std::set<net::IpAddress> HostAddresses() {
  std::set<net::IpAddress> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (ifaddrs* a = list; a != nullptr; a = a->ifa_next) {
    if (a->ifa_addr == nullptr) continue;
    if (a->ifa_addr->sa_family == AF_INET) {
      const auto* in = reinterpret_cast<const sockaddr_in*>(a->ifa_addr);
      const auto* b = reinterpret_cast<const uint8_t*>(&in->sin_addr);
      if (auto ip = net::IpAddress::FromBytes({b, 4})) out.insert(*ip);
    } else if (a->ifa_addr->sa_family == AF_INET6) {
      const auto* in6 = reinterpret_cast<const sockaddr_in6*>(a->ifa_addr);
      const auto* b = reinterpret_cast<const uint8_t*>(&in6->sin6_addr);
      if (auto ip = net::IpAddress::FromBytes({b, 16})) out.insert(*ip);
    }
  }
  freeifaddrs(list);
  return out;
}

}  // namespace

void VrrpRouter::ArmVipWatch() {
  vip_watch_timer_ = loop_.AddTimer(kVipWatchInterval, [this] {
    vip_watch_timer_ = 0;
    if (shut_down_) return;
    RepairVips();
    ArmVipWatch();
  });
}

// keepalived puts back, within about a second, a VIP someone removed from a master
// (`ip addr del`): so does vrrpd, and announces it again.
void VrrpRouter::RepairVips() {
  std::optional<std::set<net::IpAddress>> present;
  for (auto& [name, inst] : instances_) {
    if (inst->sm->state() != State::kMaster) continue;
    if (!present) present = HostAddresses();
    for (const Vip& v : inst->spec.vips) {
      if (present->count(v.address)) continue;
      log_->warn("({}) {} was removed from {} while master: putting it back", name, v.ToString(),
                 v.dev);
      if (absl::Status s = vips_->Add(v); !s.ok()) {
        log_->error("({}) {}", name, s.ToString());
        continue;
      }
      ++inst->counters.vips_repaired;
      Announce(*inst, v);
    }
  }
}

VrrpRouter::Instance* VrrpRouter::Find(const std::string& name) const {
  auto it = instances_.find(name);
  return it == instances_.end() ? nullptr : it->second.get();
}

namespace {

enum class Change { kNone, kInPlace, kRestart };

// What a reload must do to a running instance: nothing, update its VIPs and
// notify scripts in place (keeping state), or restart it.
Change Classify(const InstanceSpec& running, const InstanceSpec& wanted) {
  if (running.sync_group != wanted.sync_group || running.garp_interval != wanted.garp_interval ||
      running.family != wanted.family) {
    return Change::kRestart;
  }
  using google::protobuf::util::MessageDifferencer;
  if (MessageDifferencer::Equals(running.source, wanted.source)) return Change::kNone;
  v1::VrrpInstance a = running.source, b = wanted.source;
  for (v1::VrrpInstance* m : {&a, &b}) {
    m->clear_virtual_ipaddresses();
    m->clear_notify_master();
    m->clear_notify_backup();
    m->clear_notify_fault();
    m->clear_notify_stop();
    m->clear_notify();
    m->clear_smtp_alert();
  }
  return MessageDifferencer::Equals(a, b) ? Change::kInPlace : Change::kRestart;
}

bool Contains(const std::vector<Vip>& vips, const Vip& v) {
  return std::find(vips.begin(), vips.end(), v) != vips.end();
}

}  // namespace

VrrpRouter::ReloadPlan VrrpRouter::Plan(const std::vector<InstanceSpec>& specs,
                                        std::vector<std::string>* changes) const {
  std::map<std::string, const InstanceSpec*> wanted;
  for (const InstanceSpec& s : specs) wanted[s.vrrp.name] = &s;
  ReloadPlan plan;
  for (auto& [name, inst] : instances_) {
    auto it = wanted.find(name);
    if (it == wanted.end()) {
      plan.stop.push_back(name);
      changes->push_back(absl::StrCat("remove vrrp_instance ", name));
      continue;
    }
    switch (Classify(inst->spec, *it->second)) {
      case Change::kNone: break;
      case Change::kInPlace: {
        plan.update.push_back(name);
        std::string line = absl::StrCat("update vrrp_instance ", name, " in place");
        for (const Vip& v : inst->spec.vips) {
          if (!Contains(it->second->vips, v)) absl::StrAppend(&line, "; remove ", v.ToString());
        }
        for (const Vip& v : it->second->vips) {
          if (!Contains(inst->spec.vips, v)) absl::StrAppend(&line, "; add ", v.ToString());
        }
        changes->push_back(line);
        break;
      }
      case Change::kRestart:
        plan.stop.push_back(name);
        changes->push_back(absl::StrCat("restart changed vrrp_instance ", name));
        break;
    }
  }
  for (const InstanceSpec& s : specs) {
    if (!instances_.count(s.vrrp.name)) {
      changes->push_back(absl::StrCat("start vrrp_instance ", s.vrrp.name));
    }
  }
  return plan;
}

void VrrpRouter::UpdateInPlace(Instance& inst, const InstanceSpec& wanted) {
  const bool master = inst.sm->state() == State::kMaster;
  for (const Vip& v : inst.spec.vips) {
    if (Contains(wanted.vips, v) || !master) continue;
    if (absl::Status s = vips_->Remove(v); !s.ok())
      log_->error("({}) {}", inst.spec.vrrp.name, s.ToString());
  }
  std::vector<Vip> added;
  for (const Vip& v : wanted.vips) {
    if (!Contains(inst.spec.vips, v)) added.push_back(v);
  }
  inst.spec.vips = wanted.vips;
  inst.expect = inst.spec.Expectation();  // adverts must now list the new VIPs
  inst.spec.notify = wanted.notify;
  inst.notify = ResolveNotify(inst.spec.notify,
                              proc::DefaultScriptUser(wanted.script_user, wanted.script_group),
                              inst.spec.vrrp.name);
  inst.spec.source = wanted.source;
  if (!master) return;
  SyncFirewall();  // drops the removed VIPs' rules, blocks the added ones before they are added
  for (const Vip& v : added) {
    if (absl::Status s = vips_->Add(v); !s.ok()) {
      log_->error("({}) {}", inst.spec.vrrp.name, s.ToString());
      continue;
    }
    for (uint32_t i = 0; i < inst.spec.vrrp.garp_master_repeat; ++i) Announce(inst, v);
  }
}

absl::Status VrrpRouter::CheckInterfacesExist(const std::vector<InstanceSpec>& specs,
                                              const ReloadPlan& plan) const {
  for (const InstanceSpec& s : specs) {
    const bool kept = instances_.count(s.vrrp.name) &&
                      std::find(plan.stop.begin(), plan.stop.end(), s.vrrp.name) == plan.stop.end();
    std::vector<std::string> devs = {s.interface};
    for (const Vip& v : s.vips) {
      devs.push_back(v.dev == s.vmac && !s.vmac.empty() ? s.interface : v.dev);
    }
    for (const std::string& dev : devs) {
      if (if_nametoindex(dev.c_str()) != 0) continue;
      if (kept && dev == s.interface) continue;  // running already; nothing to open
      return absl::FailedPreconditionError(
          absl::StrCat("(", s.vrrp.name, ") interface ", dev, " does not exist; nothing changed"));
    }
  }
  return absl::OkStatus();
}

void VrrpRouter::ApplyGlobals(const v1::Config& config) {
  const v1::GlobalDefs& global = config.global_defs();
  router_id_ = global.router_id();
  group_notify_.clear();
  group_mail_.clear();
  const auto group_default_user =
      proc::DefaultScriptUser(global.script_user(), global.script_group());
  group_script_security_ = global.enable_script_security();
  for (const v1::VrrpSyncGroup& g : config.vrrp_sync_groups()) {
    group_notify_[g.name()] =
        ResolveNotify(NotifySpecs::FromConfig(g.notify_master(), g.notify_backup(),
                                              g.notify_fault(), g.notify_stop(), g.notify()),
                      group_default_user, absl::StrCat("group ", g.name()));
    if (g.smtp_alert()) group_mail_.insert(g.name());
  }
  mail_.Configure(global);
  OpenFifos(global);
  const v1::VrrpFirewall& fw = global.vrrp_firewall();
  if (absl::Status st = firewall_.Configure(FirewallSettings{
          .table = fw.table(), .priority = fw.priority(), .counters = fw.counters()});
      !st.ok()) {
    log_->error("{}", st.ToString());
  }
}

absl::Status VrrpRouter::Apply(const v1::Config& config, bool dry_run,
                               std::vector<std::string>* changes) {
  auto specs = InstanceSpecsFromConfig(config);
  if (!specs.ok()) return specs.status();
  ReloadPlan plan = Plan(*specs, changes);
  // A reload is checked against the live system before anything changes: an
  // interface (or a VIP's dev) that does not exist refuses the whole reload. At the
  // first start such an instance waits for its interface instead (StartOrWait).
  if (applied_once_) {
    if (absl::Status s = CheckInterfacesExist(*specs, plan); !s.ok()) return s;
  }
  if (dry_run) return absl::OkStatus();
  if (shut_down_) return absl::FailedPreconditionError("vrrpd is stopping");
  applied_once_ = true;
  ApplyGlobals(config);
  for (const std::string& name : plan.stop) {
    StopInstance(*instances_[name], "removed or changed by reload");
    instances_.erase(name);
  }
  waiting_.clear();  // the new config's instances wait afresh below
  for (InstanceSpec& s : *specs) {
    if (std::find(plan.update.begin(), plan.update.end(), s.vrrp.name) != plan.update.end()) {
      UpdateInPlace(*instances_[s.vrrp.name], s);
    }
  }
  RebuildSyncGroups();
  absl::Status first_error;
  for (InstanceSpec& s : *specs) {
    if (instances_.count(s.vrrp.name)) continue;
    const std::string name = s.vrrp.name;
    if (absl::Status st = StartOrWait(std::move(s)); !st.ok()) {
      log_->error("({}) cannot start: {}", name, st.ToString());
      if (first_error.ok()) first_error = st;
    }
  }
  RebuildSyncGroups();
  return first_error;
}

void VrrpRouter::RebuildSyncGroups() {
  std::map<std::string, std::vector<VrrpStateMachine*>> members;
  for (auto& [name, inst] : instances_) {
    if (!inst->spec.sync_group.empty()) members[inst->spec.sync_group].push_back(inst->sm.get());
  }
  groups_.clear();
  for (auto& [name, m] : members) {
    groups_.push_back(std::make_unique<VrrpSyncGroup>(name, m));
    // At start the members have entered their first state before the group was
    // made: the group's mail for that state goes now (deduplicated by MailGroup).
    const State first = m.front()->state();
    if (groups_.back()->AllIn(first)) MailGroup(name, first);
  }
}

absl::StatusOr<VrrpRouter::SocketEntry*> VrrpRouter::SocketFor(const std::string& ifname,
                                                               net::IpFamily family) {
  auto key = std::make_pair(ifname, family);
  if (auto it = sockets_.find(key); it != sockets_.end()) return it->second.get();
  auto sock = VrrpSocket::Open(ifname, family);
  if (!sock.ok()) return sock.status();
  auto entry = std::make_unique<SocketEntry>();
  entry->socket = std::move(*sock);
  SocketEntry* raw = entry.get();
  if (auto s = loop_.AddFd(raw->socket->fd(), EPOLLIN, [this, raw](uint32_t) { OnReadable(*raw); });
      !s.ok()) {
    return s;
  }
  sockets_[key] = std::move(entry);
  return raw;
}

void VrrpRouter::ReleaseSocket(SocketEntry* entry) {
  if (!entry->by_vrid.empty()) return;
  for (auto it = sockets_.begin(); it != sockets_.end(); ++it) {
    if (it->second.get() != entry) continue;
    loop_.RemoveFd(entry->socket->fd());
    sockets_.erase(it);
    return;
  }
}

absl::StatusOr<VrrpRouter::SocketEntry*> VrrpRouter::SocketForInstance(const InstanceSpec& spec) {
  if (!spec.vmac.empty()) {
    if (absl::Status s = vmacs_->Ensure(spec.vmac, spec.interface, spec.vrrp.vrid); !s.ok()) {
      return s;
    }
    log_->info("({}) virtual MAC on {} over {}", spec.vrrp.name, spec.vmac, spec.interface);
  }
  // With use_vmac, adverts leave from (and the peers' arrive on) the macvlan.
  auto entry = SocketFor(spec.vmac.empty() ? spec.interface : spec.vmac, spec.family);
  if (!entry.ok()) return entry.status();
  if ((*entry)->by_vrid.count(spec.vrrp.vrid)) {
    return absl::AlreadyExistsError(
        absl::StrCat("VRID ", spec.vrrp.vrid, " already runs on ", spec.interface));
  }
  return *entry;
}

absl::Status VrrpRouter::StartInstance(InstanceSpec spec) {
  InstanceSpec original = spec;
  auto entry = SocketForInstance(spec);
  if (!entry.ok()) return entry.status();
  auto inst = std::make_unique<Instance>();
  if (spec.unicast_src) {
    inst->src = *spec.unicast_src;
  } else {
    std::vector<net::IpAddress> vip_addrs;
    for (const Vip& v : spec.vips) vip_addrs.push_back(v.address);
    auto primary = InterfacePrimaryAddress(spec.interface, spec.family, vip_addrs);
    if (!primary.ok()) return primary.status();
    inst->src = *primary;
  }
  spec.vrrp.primary_address = inst->src;
  // The instance's own interface is tracked like a weight-0 track_interface:
  // while it is down the instance is in FAULT, as in keepalived (unless
  // dont_track_primary).
  if (!spec.dont_track_primary) {
    spec.vrrp.tracked.push_back({absl::StrCat("if:", spec.interface), 0});
  }
  inst->destinations = spec.unicast()
                           ? spec.unicast_peers
                           : std::vector<net::IpAddress>{VrrpSocket::MulticastGroup(spec.family)};
  inst->expect = spec.Expectation();
  inst->socket = *entry;
  inst->original = std::move(original);
  inst->ifindex = if_nametoindex(spec.interface.c_str());
  if (spec.promote_secondaries) PromoteSecondaries(spec.interface);
  ResolveScriptUsers(*inst, spec);
  inst->spec = std::move(spec);
  inst->sm = std::make_unique<VrrpStateMachine>(inst->spec.vrrp, log_);
  Instance* raw = inst.get();
  inst->sm->AddObserver([this, raw](const VrrpStateMachine&, const Transition& t) {
    raw->since_unix_ms = absl::ToUnixMillis(wall_clock_());
    hub_.Publish(Event(*raw, t.from, t.to, t.reason, false));
  });
  (*entry)->by_vrid[raw->spec.vrrp.vrid] = raw;
  instances_[raw->spec.vrrp.name] = std::move(inst);
  BeginInstance(*raw);
  return absl::OkStatus();
}

void VrrpRouter::BeginInstance(Instance& inst) {
  // A previous run killed with -9 may have left the VIPs behind (keepalived issue
  // #2361): settled once this instance hears another master, or becomes one.
  inst.vips_left_over = true;
  const absl::Time now = loop_.Now();
  for (const std::string& name : inst.spec.track_interfaces) {
    inst.sm->SetTracked(now, absl::StrCat("if:", name), LinkMonitor::IsUp(name));
  }
  StartTrackFiles(inst);
  inst.sm->SetTracked(now, absl::StrCat("if:", inst.spec.interface),
                      LinkMonitor::IsUp(inst.spec.interface));
  log_->info("({}) starting: {} VRID {} v{} priority {} advert_int {} from {}{}",
             inst.spec.vrrp.name, inst.spec.interface, inst.spec.vrrp.vrid, inst.spec.vrrp.version,
             inst.spec.vrrp.priority, absl::FormatDuration(inst.spec.vrrp.advert_int),
             inst.src.ToString(), inst.spec.unicast() ? " (unicast)" : "");
  Drive(inst, [now](VrrpStateMachine& sm) { return sm.Start(now); });
  StartTrackScripts(inst);
}

void VrrpRouter::StopInstance(Instance& inst, std::string_view reason) {
  const absl::Time now = loop_.Now();
  Drive(inst, [&](VrrpStateMachine& sm) { return sm.Stop(now, reason); });
  loop_.CancelTimer(inst.timer);
  for (TrackScript& t : inst.scripts) loop_.CancelTimer(t.timer);
  for (uint64_t id : inst.file_watches) files_->Unwatch(id);
  inst.file_watches.clear();
  inst.socket->by_vrid.erase(inst.spec.vrrp.vrid);
  if (!inst.spec.vmac.empty()) {
    ReleaseSocket(inst.socket);
    garp_.erase(inst.spec.vmac);
    if (absl::Status s = vmacs_->Remove(inst.spec.vmac); !s.ok()) {
      log_->warn("({}) {}", inst.spec.vrrp.name, s.ToString());
    }
  }
}

absl::Status VrrpRouter::StartOrWait(InstanceSpec spec) {
  if (if_nametoindex(spec.interface.c_str()) != 0) return StartInstance(std::move(spec));
  log_->warn("({}) interface {} does not exist: FAULT until it appears", spec.vrrp.name,
             spec.interface);
  const std::string name = spec.vrrp.name;
  waiting_[name] = std::move(spec);
  if (waiting_timer_ == 0) {
    waiting_timer_ = loop_.AddTimer(absl::Seconds(1), [this] {
      waiting_timer_ = 0;
      RetryWaiting();
    });
  }
  return absl::OkStatus();
}

void VrrpRouter::RetryWaiting() {
  if (shut_down_) return;
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    if (if_nametoindex(it->second.interface.c_str()) == 0) {
      ++it;
      continue;
    }
    InstanceSpec spec = it->second;
    const std::string name = it->first;
    absl::Status st = StartInstance(std::move(spec));
    if (!st.ok()) {
      // It exists but cannot run yet (no address yet, say): try again later.
      log_->debug("({}) {} appeared but cannot start yet: {}", name, it->second.interface,
                  st.ToString());
      ++it;
      continue;
    }
    log_->info("({}) interface {} appeared: instance started", name, it->second.interface);
    it = waiting_.erase(it);
    RebuildSyncGroups();
  }
  if (!waiting_.empty() && waiting_timer_ == 0) {
    waiting_timer_ = loop_.AddTimer(absl::Seconds(1), [this] {
      waiting_timer_ = 0;
      RetryWaiting();
    });
  }
}

void VrrpRouter::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  if (waiting_timer_ != 0) loop_.CancelTimer(waiting_timer_);
  waiting_timer_ = 0;
  waiting_.clear();
  for (auto& [name, inst] : instances_) StopInstance(*inst, "shutdown");
  fifo_.Close();  // after the STOP lines above
  vrrp_fifo_.Close();
  // As keepalived: promote_secondaries goes back to 0 where vrrpd set it.
  for (const std::string& ifname : promoted_) {
    if (absl::Status s =
            net::WriteSysctl(net::InterfaceSysctl("ipv4", ifname, "promote_secondaries"), "0");
        !s.ok()) {
      log_->warn("{}", s.ToString());
    }
  }
  promoted_.clear();
  if (absl::Status s = firewall_.Teardown(); !s.ok()) log_->error("{}", s.ToString());
  hub_.Close();
}

void VrrpRouter::SettleLeftOverVips(Instance& inst, const net::IpAddress* other_master) {
  if (!inst.vips_left_over) return;
  const State state = inst.sm->state();
  if (state == State::kMaster) {
    inst.vips_left_over = false;  // ours now, by election
    return;
  }
  if (state == State::kBackup && other_master == nullptr) return;  // nobody else yet
  inst.vips_left_over = false;
  for (const Vip& v : inst.spec.vips) {
    if (absl::Status s = vips_->Remove(v); !s.ok()) {
      log_->warn("({}) removing {} left by a previous run: {}", inst.spec.vrrp.name, v.ToString(),
                 s.ToString());
    }
  }
  log_->info("({}) {}: the addresses a previous run may have left are removed", inst.spec.vrrp.name,
             other_master ? absl::StrCat("master ", other_master->ToString(), " is active")
                          : std::string(StateName(state)));
}

void VrrpRouter::Drive(Instance& inst, const std::function<Actions(VrrpStateMachine&)>& input) {
  const State before = inst.sm->state();
  Perform(inst, input(*inst.sm));
  SettleLeftOverVips(inst, nullptr);
  ArmTimer(inst);
  const State after = inst.sm->state();
  if (before == after || following_) return;
  for (auto& g : groups_) {
    if (!g->Contains(inst.sm.get())) continue;
    following_ = true;
    for (auto& [member, actions] : g->Follow(loop_.Now(), *inst.sm, after)) {
      Instance* other = Find(member->config().name);
      if (other == nullptr) continue;
      Perform(*other, actions);
      ArmTimer(*other);
    }
    following_ = false;
    if (auto it = group_notify_.find(g->name()); it != group_notify_.end()) {
      RunNotifyScripts(it->second, "GROUP", g->name(), after, 0, group_script_security_);
    }
  }
}

void VrrpRouter::Perform(Instance& inst, const Actions& actions) {
  for (const Action& a : actions) {
    switch (a.kind) {
      case Action::Kind::kSendAdvert: SendAdvert(inst, a.priority); break;
      case Action::Kind::kAddVips:
      case Action::Kind::kRemoveVips: {
        const bool add = a.kind == Action::Kind::kAddVips;
        if (add) {
          inst.vips_set = true;
          SyncFirewall();  // block first: a non-accept master never takes their traffic
        }
        for (const Vip& v : inst.spec.vips) {
          absl::Status s = add ? vips_->Add(v) : vips_->Remove(v);
          if (!s.ok()) {
            log_->error("({}) {}", inst.spec.vrrp.name, s.ToString());
          } else {
            log_->debug("({}) {} {}", inst.spec.vrrp.name, add ? "added" : "removed", v.ToString());
          }
        }
        if (!add) {
          inst.vips_set = false;
          SyncFirewall();
        }
        break;
      }
      case Action::Kind::kSendGarp: SendGarps(inst, a.count); break;
      case Action::Kind::kNotify: RunNotify(inst, a.state); break;
      case Action::Kind::kLowerPriorityHeard: RunLowerPriorityNotify(inst); break;
    }
  }
}

void VrrpRouter::OpenFifos(const v1::GlobalDefs& global) {
  const auto default_user = proc::DefaultScriptUser(global.script_user(), global.script_group());
  auto spec_of = [](const v1::NotifyFifo& f) {
    return proc::NotifyFifoSpec{.path = f.path(),
                                .user = f.user(),
                                .group = f.group(),
                                .script = f.script().command(),
                                .script_user = f.script().user(),
                                .script_group = f.script().group()};
  };
  for (auto [fifo, spec] : {std::pair{&fifo_, spec_of(global.notify_fifo())},
                            std::pair{&vrrp_fifo_, spec_of(global.vrrp_notify_fifo())}}) {
    if (spec == fifo->spec() && (fifo->is_open() || spec.path.empty())) continue;  // unchanged
    if (absl::Status s = fifo->Open(spec, scripts_, default_user); !s.ok()) {
      log_->error("{}", s.ToString());
    }
  }
}

void VrrpRouter::PromoteSecondaries(const std::string& ifname) {
  const std::string path = net::InterfaceSysctl("ipv4", ifname, "promote_secondaries");
  if (promoted_.count(ifname) || net::ReadSysctl(path).value_or("0") != "0") return;
  if (absl::Status s = net::WriteSysctl(path, "1"); !s.ok()) {
    log_->warn("promote_secondaries on {}: {}", ifname, s.ToString());
    return;
  }
  promoted_.insert(ifname);
}

void VrrpRouter::SyncFirewall() {
  std::set<BlockedAddress> wanted;
  for (const auto& [name, inst] : instances_) {
    if (!inst->vips_set || !inst->spec.blocks_vips()) continue;
    for (const Vip& v : inst->spec.vips) {
      const unsigned ifindex = IsLinkLocalV6(v.address) ? if_nametoindex(v.dev.c_str()) : 0;
      wanted.insert(BlockedAddress{.address = v.address, .ifindex = ifindex});
    }
  }
  const std::set<BlockedAddress> before = firewall_.state().blocked;
  absl::Status s = firewall_.Sync(wanted);
  if (s.ok() && before != wanted) {
    std::vector<std::string> addrs;
    addrs.reserve(wanted.size());
    for (const BlockedAddress& b : wanted) addrs.push_back(b.address.ToString());
    log_->info("nftables: dropping traffic to and from {} (non-accept mode)",
               addrs.empty() ? std::string("no address") : absl::StrJoin(addrs, ", "));
  }
  if (s.ok()) {
    if (!firewall_error_.empty()) log_->info("nftables: drop rules applied again");
    firewall_error_.clear();
    return;
  }
  // Transitions are bounded by timers, but a broken nf_tables would fail every one
  // alike: say it once, and again only when the reason changes.
  if (s.ToString() != firewall_error_) log_->error("{}", s.ToString());
  firewall_error_ = s.ToString();
}

void VrrpRouter::SendAdvert(Instance& inst, uint8_t priority) {
  VrrpAdvert ad;
  ad.version = inst.spec.vrrp.version;
  ad.vrid = inst.spec.vrrp.vrid;
  ad.priority = priority;
  ad.advert_int_cs = inst.expect.advert_int_cs;
  ad.auth_type = inst.spec.auth_type;
  ad.auth_data = inst.spec.auth_data;
  for (const Vip& v : inst.spec.vips) {
    if (!v.excluded) ad.addresses.push_back(v.address);
  }
  for (const net::IpAddress& dst : inst.destinations) {
    if (absl::Status s = inst.socket->socket->Send(ad, inst.src, dst); !s.ok()) {
      log_->warn("({}) {}", inst.spec.vrrp.name, s.ToString());
      continue;
    }
    ++inst.counters.adverts_tx;
    if (priority == kPriorityStop) ++inst.counters.priority_zero_tx;
  }
}

GarpSender* VrrpRouter::GarpFor(const std::string& ifname) {
  if (auto it = garp_.find(ifname); it != garp_.end()) return it->second.get();
  auto g = GarpSender::Open(ifname);
  if (!g.ok()) {
    log_->error("gratuitous ARP on {}: {}", ifname, g.status().ToString());
    return nullptr;
  }
  return (garp_[ifname] = std::move(*g)).get();
}

void VrrpRouter::SendGarps(Instance& inst, uint32_t count) {
  // keepalived's order: one round over the VIPs per repeat.
  std::vector<const Vip*> messages;
  for (uint32_t i = 0; i < count; ++i) {
    for (const Vip& v : inst.spec.vips) messages.push_back(&v);
  }
  const absl::Duration interval = inst.spec.garp_interval;
  if (interval == absl::ZeroDuration()) {
    for (const Vip* v : messages) Announce(inst, *v);
    return;
  }
  // vrrp_garp_interval / vrrp_gna_interval: spaced out, and only while still master.
  const std::string name = inst.spec.vrrp.name;
  for (size_t k = 0; k < messages.size(); ++k) {
    const Vip vip = *messages[k];
    if (k == 0) {
      Announce(inst, vip);
      continue;
    }
    loop_.AddTimer(interval * static_cast<int64_t>(k), [this, name, vip] {
      Instance* i = Find(name);
      if (i != nullptr && i->sm->state() == State::kMaster) Announce(*i, vip);
    });
  }
}

void VrrpRouter::Announce(Instance& inst, const Vip& vip) {
  GarpSender* g = GarpFor(vip.dev);
  if (g == nullptr) return;
  if (absl::Status s = g->Announce(vip.address); !s.ok()) {
    log_->warn("({}) {}", inst.spec.vrrp.name, s.ToString());
    return;
  }
  ++inst.counters.garp_tx;
}

namespace {

std::optional<mail::VrrpTransition> MailedTransition(State state) {
  switch (state) {
    case State::kMaster: return mail::VrrpTransition::kMaster;
    case State::kBackup: return mail::VrrpTransition::kBackup;
    case State::kFault: return mail::VrrpTransition::kFault;
    case State::kStopped: return mail::VrrpTransition::kStop;
    case State::kInit: return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

void VrrpRouter::MailInstance(Instance& inst, State state) {
  // keepalived's vrrp_smtp_notifier: once per state entered (last_email_state).
  const mail::Settings* settings = mail_.settings();
  if (!settings || !inst.spec.source.smtp_alert() || inst.last_mailed == state) return;
  std::optional<mail::VrrpTransition> to = MailedTransition(state);
  if (!to) return;
  inst.last_mailed = state;
  if (auto alert = mail::VrrpInstanceAlert(*settings, inst.spec.vrrp.name, *to))
    mail_.Send(std::move(*alert));
  // A sync group is mailed once it has entered the state: when its last member
  // has (keepalived's vrrp_sync_smtp_notifier on the group's own state).
  for (const auto& g : groups_) {
    if (g->Contains(inst.sm.get()) && g->AllIn(state)) MailGroup(g->name(), state);
  }
}

void VrrpRouter::MailGroup(const std::string& group, State state) {
  const mail::Settings* settings = mail_.settings();
  if (!settings || !group_mail_.count(group)) return;
  auto last = group_last_mailed_.find(group);
  if (last != group_last_mailed_.end() && last->second == state) return;
  std::optional<mail::VrrpTransition> to = MailedTransition(state);
  if (!to) return;
  group_last_mailed_[group] = state;
  if (auto alert = mail::VrrpGroupAlert(*settings, group, *to)) mail_.Send(std::move(*alert));
}

void VrrpRouter::RunNotify(Instance& inst, State state) {
  MailInstance(inst, state);
  RunNotifyScripts(inst.notify, "INSTANCE", inst.spec.vrrp.name, state,
                   inst.sm->effective_priority(), inst.spec.script_security);
}

void VrrpRouter::RunLowerPriorityNotify(Instance& inst) {
  const std::string line = absl::StrCat("INSTANCE \"", inst.spec.vrrp.name,
                                        "\" MASTER_RX_LOWER_PRI ", inst.sm->effective_priority());
  fifo_.Write(line);
  vrrp_fifo_.Write(line);
  const NotifyCommand& script = inst.notify.master_rx_lower_pri;
  std::vector<std::string> argv = proc::SplitCommandLine(script.command);
  if (argv.empty() || !script.run_as) return;
  if (inst.spec.script_security) {
    if (absl::Status s = proc::CheckScriptSecure(argv.front(), *script.run_as); !s.ok()) {
      log_->error("({}) notify_master_rx_lower_pri not run (enable_script_security): {}",
                  inst.spec.vrrp.name, std::string(s.message()));
      return;
    }
  }
  scripts_.Run(argv, *script.run_as, absl::ZeroDuration(), nullptr);
}

VrrpRouter::NotifyScripts VrrpRouter::ResolveNotify(
    const NotifySpecs& specs, const absl::StatusOr<proc::Credentials>& default_user,
    const std::string& owner) const {
  auto one = [&](const NotifySpec& spec, const char* kind) {
    NotifyCommand out{.command = spec.command};
    if (spec.command.empty()) return out;
    auto user = proc::ScriptRunsAs(spec.user, spec.group, default_user);
    if (user.ok()) {
      out.run_as = *user;
    } else {
      log_->error("({}) {} script {} will not run: {}", owner, kind, spec.command,
                  std::string(user.status().message()));
    }
    return out;
  };
  return {one(specs.master, "notify_master"),
          one(specs.backup, "notify_backup"),
          one(specs.fault, "notify_fault"),
          one(specs.stop, "notify_stop"),
          one(specs.generic, "notify"),
          one(specs.master_rx_lower_pri, "notify_master_rx_lower_pri")};
}

void VrrpRouter::RunNotifyScripts(const NotifyScripts& scripts, const char* kind,
                                  const std::string& name, State state, int priority,
                                  bool secure_only) {
  if (state != State::kInit) {
    // keepalived's FIFO line: INSTANCE "VI_1" MASTER 100 (a group's priority is 0).
    const std::string line =
        absl::StrCat(kind, " \"", name, "\" ", state == State::kStopped ? "STOP" : StateName(state),
                     " ", priority);
    fifo_.Write(line);
    vrrp_fifo_.Write(line);
  }
  auto run = [&](const NotifyCommand& script, std::vector<std::string> argv) {
    if (argv.empty() || !script.run_as) return;
    if (secure_only) {
      if (absl::Status s = proc::CheckScriptSecure(argv.front(), *script.run_as); !s.ok()) {
        log_->error("{} {}: notify script not run (enable_script_security): {}", kind, name,
                    std::string(s.message()));
        return;
      }
    }
    scripts_.Run(argv, *script.run_as, absl::ZeroDuration(), nullptr);
  };
  const NotifyCommand* specific = nullptr;
  switch (state) {
    case State::kMaster: specific = &scripts.master; break;
    case State::kBackup: specific = &scripts.backup; break;
    case State::kFault: specific = &scripts.fault; break;
    case State::kStopped: specific = &scripts.stop; break;
    case State::kInit: return;
  }
  if (!specific->command.empty()) run(*specific, proc::SplitCommandLine(specific->command));
  if (scripts.generic.command.empty()) return;
  // keepalived: notify <script> INSTANCE|GROUP <name> <state> <priority>; STOPPED is "STOP".
  std::vector<std::string> argv = proc::SplitCommandLine(scripts.generic.command);
  argv.emplace_back(kind);
  argv.emplace_back(name);
  argv.emplace_back(state == State::kStopped ? "STOP" : StateName(state));
  argv.push_back(std::to_string(priority));
  run(scripts.generic, std::move(argv));
}

void VrrpRouter::ArmTimer(Instance& inst) {
  loop_.CancelTimer(inst.timer);
  inst.timer = 0;
  std::optional<absl::Time> at = inst.sm->NextDeadline();
  if (!at) return;
  const std::string name = inst.spec.vrrp.name;
  inst.timer = loop_.AddTimer(std::max(*at - loop_.Now(), absl::ZeroDuration()),
                              [this, name] { OnTimer(name); });
}

void VrrpRouter::OnTimer(const std::string& name) {
  Instance* inst = Find(name);
  if (inst == nullptr) return;
  inst->timer = 0;
  const absl::Duration late = loop_.CurrentTimerLateness();
  if (late > kLateTimerLog) {
    log_->warn("({}) timer fired {} late", name, absl::FormatDuration(late));
  }
  const absl::Time now = loop_.Now();
  Drive(*inst, [now](VrrpStateMachine& sm) { return sm.OnTimer(now); });
}

void VrrpRouter::OnReadable(SocketEntry& entry) {
  for (;;) {
    absl::StatusOr<ParseResult> r = entry.socket->Receive();
    if (!r.ok()) {
      if (!absl::IsUnavailable(r.status())) log_->warn("{}", r.status().ToString());
      return;
    }
    if (auto* reason = std::get_if<RejectReason>(&*r)) {
      CountReject(entry, nullptr, *reason, nullptr);
      continue;
    }
    HandleAdvert(entry, std::get<ReceivedAdvert>(*r));
  }
}

void VrrpRouter::HandleAdvert(SocketEntry& entry, const ReceivedAdvert& rx) {
  auto it = entry.by_vrid.find(rx.advert.vrid);
  if (it == entry.by_vrid.end()) {
    CountReject(entry, nullptr, RejectReason::kUnknownVrid, &rx.src);
    return;
  }
  Instance& inst = *it->second;
  if (rx.src == inst.src) return;  // our own advert, looped back by a switch
  // skip_check_adv_addr: a backup trusts the addresses of the master it already heard.
  const bool known_master = inst.sm->state() == State::kBackup && inst.sm->master_address() &&
                            *inst.sm->master_address() == rx.src;
  const bool check_addresses = !(inst.spec.skip_check_adv_addr && known_master);
  if (RejectReason reason = CheckAgainstInstance(rx, inst.expect, check_addresses);
      reason != RejectReason::kNone) {
    CountReject(entry, &inst, reason, &rx.src);
    return;
  }
  ++inst.counters.adverts_rx;
  if (rx.advert.priority == kPriorityStop) ++inst.counters.priority_zero_rx;
  const absl::Time now = loop_.Now();
  Drive(inst, [&](VrrpStateMachine& sm) {
    return sm.OnAdvert(now, rx.src, rx.advert.priority, rx.advert.advert_int_cs);
  });
  // A live master elsewhere (not one leaving with priority 0): the left-over VIPs
  // are its now; this instance takes them back only by election, with a GARP.
  if (rx.advert.priority != kPriorityStop) SettleLeftOverVips(inst, &rx.src);
}

void VrrpRouter::CountReject(SocketEntry& entry, Instance* inst, RejectReason reason,
                             const net::IpAddress* src) {
  ++(inst ? inst->counters.rx_errors[reason] : entry.unattributed[reason]);
  const absl::Time now = loop_.Now();
  auto [it, fresh] = entry.last_logged.emplace(reason, now);
  if (!fresh && now - it->second < kRejectLogInterval) {
    ++entry.suppressed[reason];
    return;
  }
  it->second = now;
  const uint64_t suppressed = std::exchange(entry.suppressed[reason], 0);
  log_->warn("{}: dropped VRRP packet{}{}: {}{}", entry.socket->ifname(), src ? " from " : "",
             src ? src->ToString() : "", RejectReasonName(reason),
             suppressed ? absl::StrCat(" (", suppressed, " more since the last report)") : "");
}

void VrrpRouter::OnLink(const std::string& ifname, bool up) {
  log_->info("interface {} is {}", ifname, up ? "up" : "down");
  ReopenIfRecreated(ifname);
  if (!waiting_.empty()) RetryWaiting();
  const absl::Time now = loop_.Now();
  const std::string item = absl::StrCat("if:", ifname);
  for (auto& [name, inst] : instances_) {
    Drive(*inst, [&](VrrpStateMachine& sm) { return sm.SetTracked(now, item, up); });
  }
}

void VrrpRouter::ResolveScriptUsers(Instance& inst, InstanceSpec& spec) {
  const std::string& name = spec.vrrp.name;
  auto default_user = proc::DefaultScriptUser(spec.script_user, spec.script_group);
  inst.notify = ResolveNotify(spec.notify, default_user, name);
  for (const TrackScriptSpec& t : spec.track_scripts) {
    auto user = t.user.empty() ? default_user : proc::LookupUser(t.user, t.group);
    absl::Status usable = user.status();
    if (usable.ok() && spec.script_security) {
      const std::vector<std::string> argv = proc::SplitCommandLine(t.script);
      usable = proc::CheckScriptSecure(argv.empty() ? "" : argv.front(), *user);
    }
    if (!usable.ok()) {
      // keepalived disables such a script: the instance no longer tracks it.
      log_->error("({}) vrrp_script {} disabled: {}", name, t.name, std::string(usable.message()));
      const std::string item = absl::StrCat("script:", t.name);
      auto& tracked = spec.vrrp.tracked;
      tracked.erase(std::remove_if(tracked.begin(), tracked.end(),
                                   [&](const TrackedItem& i) { return i.name == item; }),
                    tracked.end());
      continue;
    }
    inst.scripts.push_back({.spec = t, .run_as = *user});
  }
}

// An interface deleted (and perhaps made again under its name) leaves the sockets
// bound to an index that is gone: its instances go back to waiting for it (FAULT)
// and start afresh, with new sockets, once it exists — as keepalived recovers.
void VrrpRouter::ReopenIfRecreated(const std::string& ifname) {
  const unsigned index = if_nametoindex(ifname.c_str());
  std::vector<std::string> stale;
  for (auto& [name, inst] : instances_) {
    if (inst->spec.interface == ifname && inst->ifindex != index) stale.push_back(name);
  }
  if (!stale.empty()) garp_.erase(ifname);  // its packet socket is bound to the old index
  for (const std::string& name : stale) {
    Instance& inst = *instances_[name];
    InstanceSpec spec = inst.original;
    log_->warn(
        "({}) interface {} was {}", name, ifname,
        index ? "re-created: the instance starts again on it" : "deleted: FAULT until it is back");
    StopInstance(inst, index ? "interface re-created" : "interface deleted");
    SocketEntry* entry = inst.socket;
    instances_.erase(name);
    ReleaseSocket(entry);
    if (absl::Status s = StartOrWait(std::move(spec)); !s.ok()) {
      log_->error("({}) cannot start again: {}", name, s.ToString());
    }
  }
  if (!stale.empty()) RebuildSyncGroups();
}

void VrrpRouter::StartTrackFiles(Instance& inst) {
  if (inst.spec.track_files.empty()) return;
  if (!files_) {
    auto watcher = track::FileWatcher::Create(&loop_);
    if (!watcher.ok()) {
      log_->error("({}) track_file: {}", inst.spec.vrrp.name, watcher.status().ToString());
      return;
    }
    files_ = std::move(*watcher);
  }
  const std::string instance = inst.spec.vrrp.name;
  for (size_t i = 0; i < inst.spec.track_files.size(); ++i) {
    const v1::TrackFile& f = inst.spec.track_files[i];
    if (f.init_file()) track::InitTrackedFile(f.path(), f.init_value(), f.init_overwrite());
    auto id = files_->Watch(f.path(), [this, instance, i] { ReadTrackFile(instance, i); });
    if (id.ok()) {
      inst.file_watches.push_back(*id);
    } else {
      log_->error("({}) track_file {}: {}", instance, f.name(), id.status().ToString());
    }
    inst.file_values.push_back(0);
    ReadTrackFile(instance, i);
  }
}

void VrrpRouter::ReadTrackFile(const std::string& instance, size_t index) {
  Instance* inst = Find(instance);
  if (inst == nullptr || index >= inst->spec.track_files.size()) return;
  const v1::TrackFile& f = inst->spec.track_files[index];
  int64_t& last = inst->file_values[index];
  last = track::ReadTrackedFile(f.path(), last);
  const std::optional<int> offset = TrackedFileOffset(last, f.weight(), f.reverse());
  const absl::Time now = loop_.Now();
  Drive(*inst, [&](VrrpStateMachine& sm) {
    return sm.SetTrackedOffset(now, absl::StrCat("file:", f.name()), offset);
  });
}

void VrrpRouter::StartTrackScripts(Instance& inst) {
  for (size_t i = 0; i < inst.scripts.size(); ++i) RunTrackScript(inst.spec.vrrp.name, i);
}

void VrrpRouter::RunTrackScript(const std::string& instance, size_t index) {
  Instance* inst = Find(instance);
  if (inst == nullptr || index >= inst->scripts.size()) return;
  TrackScript& t = inst->scripts[index];
  t.timer =
      loop_.AddTimer(t.spec.interval, [this, instance, index] { RunTrackScript(instance, index); });
  if (t.running) return;  // the previous run is still going; its timeout will end it
  t.running = true;
  scripts_.Run(proc::SplitCommandLine(t.spec.script), t.run_as, t.spec.timeout,
               [this, instance, index](int code) {
                 Instance* inst = Find(instance);
                 if (inst == nullptr || index >= inst->scripts.size()) return;
                 TrackScript& t = inst->scripts[index];
                 t.running = false;
                 const bool ok = code == 0;
                 t.successes = ok ? t.successes + 1 : 0;
                 t.failures = ok ? 0 : t.failures + 1;
                 // keepalived: one result ends a script's init state ("one success is enough",
                 // and a first failure fails it); after that rise and fall count.
                 if (!t.reported) {
                   t.reported = true;
                   (ok ? t.successes : t.failures) = ok ? t.spec.rise : t.spec.fall;
                 } else if (t.successes != t.spec.rise && t.failures != t.spec.fall) {
                   return;
                 }
                 const absl::Time now = loop_.Now();
                 Drive(*inst, [&](VrrpStateMachine& sm) {
                   return sm.SetTracked(now, absl::StrCat("script:", t.spec.name), ok);
                 });
               });
}

v1::VrrpStateEvent VrrpRouter::Event(const Instance& inst, State from, State to,
                                     const std::string& reason, bool snapshot) const {
  v1::VrrpStateEvent e;
  e.set_snapshot(snapshot);
  e.set_instance(inst.spec.vrrp.name);
  e.set_from(ToProto(from));
  e.set_to(ToProto(to));
  e.set_reason(reason);
  e.set_at_unix_ms(inst.since_unix_ms);
  e.set_virtual_router_id(inst.spec.vrrp.vrid);
  e.set_interface(inst.spec.interface);
  return e;
}

std::shared_ptr<rpc::WatchHub<v1::VrrpStateEvent>::Subscription> VrrpRouter::Watch(
    const std::string& instance) {
  std::vector<v1::VrrpStateEvent> snapshot;
  for (auto& [name, inst] : instances_) {
    if (!instance.empty() && name != instance) continue;
    snapshot.push_back(
        Event(*inst, inst->sm->state(), inst->sm->state(), inst->sm->last_reason(), true));
  }
  return hub_.Subscribe(snapshot);
}

namespace {

// An instance whose interface does not exist (yet): FAULT, with what it waits for.
void WaitingStatus(const std::string& name, const InstanceSpec& spec, v1::VrrpInstanceStatus* s) {
  s->set_name(name);
  s->set_interface(spec.interface);
  s->set_virtual_router_id(spec.vrrp.vrid);
  s->set_version(spec.vrrp.version);
  s->set_state(v1::FAULT);
  s->set_configured_priority(spec.vrrp.priority);
  s->set_last_transition_reason(
      absl::StrCat("interface ", spec.interface, " does not exist (waiting for it)"));
  for (const Vip& v : spec.vips) s->add_virtual_ipaddresses(v.ToString());
  s->set_advert_int_ms(absl::ToInt64Milliseconds(spec.vrrp.advert_int));
}

void RxErrors(const std::map<RejectReason, uint64_t>& counts,
              google::protobuf::Map<std::string, uint64_t>* out) {
  for (auto& [reason, n] : counts) (*out)[std::string(RejectReasonName(reason))] = n;
}

}  // namespace

void VrrpRouter::InstanceStatus(const std::string& name, const Instance& inst,
                                v1::VrrpInstanceStatus* s) {
  const VrrpStateMachine& sm = *inst.sm;
  s->set_name(name);
  s->set_interface(inst.spec.interface);
  s->set_virtual_router_id(inst.spec.vrrp.vrid);
  s->set_version(inst.spec.vrrp.version);
  s->set_state(ToProto(sm.state()));
  s->set_configured_priority(inst.spec.vrrp.priority);
  s->set_effective_priority(sm.effective_priority());
  if (sm.master_address()) s->set_master_address(sm.master_address()->ToString());
  s->set_since_unix_ms(inst.since_unix_ms);
  s->set_last_transition_reason(sm.last_reason());
  for (const Vip& v : inst.spec.vips) s->add_virtual_ipaddresses(v.ToString());
  s->set_admin_down(inst.admin_down);
  s->set_advert_int_ms(absl::ToInt64Milliseconds(inst.spec.vrrp.advert_int));
  s->set_sync_group(inst.spec.sync_group);
  s->set_primary_address(inst.src.ToString());
  v1::VrrpCounters* c = s->mutable_counters();
  c->set_adverts_tx(inst.counters.adverts_tx);
  c->set_adverts_rx(inst.counters.adverts_rx);
  c->set_garp_tx(inst.counters.garp_tx);
  c->set_transitions(sm.transitions());
  c->set_priority_zero_rx(inst.counters.priority_zero_rx);
  c->set_priority_zero_tx(inst.counters.priority_zero_tx);
  c->set_vips_repaired(inst.counters.vips_repaired);
  RxErrors(inst.counters.rx_errors, c->mutable_rx_errors());
}

absl::StatusOr<v1::VrrpStatus> VrrpRouter::Status(const std::string& instance) const {
  if (!instance.empty() && Find(instance) == nullptr && waiting_.count(instance) == 0) {
    return absl::NotFoundError(absl::StrCat("no vrrp_instance ", instance));
  }
  v1::VrrpStatus out;
  for (const auto& [name, spec] : waiting_) {
    if (instance.empty() || name == instance) WaitingStatus(name, spec, out.add_instances());
  }
  out.set_router_id(router_id_);
  out.set_config_warnings(static_cast<uint32_t>(config_warnings_));
  if (auto stats = mail_.Stats()) *out.mutable_mail() = *stats;
  for (auto& [name, inst] : instances_) {
    if (instance.empty() || name == instance) InstanceStatus(name, *inst, out.add_instances());
  }
  for (auto& [key, entry] : sockets_) {
    if (entry->unattributed.empty()) continue;
    v1::VrrpInterfaceCounters* ic = out.add_interfaces();
    ic->set_interface(key.first);
    ic->set_family(key.second == net::IpFamily::kV4 ? 4 : 6);
    RxErrors(entry->unattributed, ic->mutable_rx_errors());
  }
  return out;
}

absl::StatusOr<State> VrrpRouter::RequestFailover(const std::string& instance) {
  Instance* inst = Find(instance);
  if (inst == nullptr) return absl::NotFoundError(absl::StrCat("no vrrp_instance ", instance));
  if (inst->sm->state() != State::kMaster) {
    return absl::FailedPreconditionError(absl::StrCat(
        instance, " is ", StateName(inst->sm->state()), ", not MASTER: nothing to fail over"));
  }
  const absl::Time now = loop_.Now();
  Drive(*inst, [now](VrrpStateMachine& sm) { return sm.RequestFailover(now); });
  return inst->sm->state();
}

absl::StatusOr<State> VrrpRouter::SetAdminState(const std::string& instance, bool up) {
  Instance* inst = Find(instance);
  if (inst == nullptr) return absl::NotFoundError(absl::StrCat("no vrrp_instance ", instance));
  if (shut_down_) return absl::FailedPreconditionError("vrrpd is stopping");
  const absl::Time now = loop_.Now();
  if (up == !inst->admin_down) return inst->sm->state();
  inst->admin_down = !up;
  if (up) {
    Drive(*inst, [now](VrrpStateMachine& sm) { return sm.Resume(now); });
  } else {
    Drive(*inst, [now](VrrpStateMachine& sm) { return sm.Stop(now, "admin down"); });
  }
  return inst->sm->state();
}

}  // namespace lvs::vrrp
