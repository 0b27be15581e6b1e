#include "services/ipvsd/ipvs_manager.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/config/diagnostic_sink.h"
#include "lib/config/config_parser.h"
#include "lib/runtime/logging.h"
#include "services/ipvsd/api_mapping.h"
#include "services/ipvsd/reconciler.h"

namespace lvs::ipvs {
namespace {

struct Parsed {
  lvs::v1::Config config;
  std::vector<ServiceConfig> services;
  std::vector<lvs::v1::Diagnostic> diagnostics;
};

// Validates what was read; errors come back as a status naming file:line:col.
absl::StatusOr<Parsed> Validate(absl::StatusOr<config::ParseResult> r) {
  if (!r.ok()) return r.status();
  Parsed p;
  p.diagnostics = r->diagnostics;
  const std::string name = r->config.files_size() ? r->config.files(0) : "the config";
  if (!r->ok())
    return absl::InvalidArgumentError(
        absl::StrCat(name, " is not valid:\n", config::FormatDiagnostics(r->diagnostics)));
  auto services = ServicesFromConfig(r->config);
  if (!services.ok()) return services.status();
  p.config = std::move(r->config);
  p.services = std::move(*services);
  return p;
}

}  // namespace

IpvsManager::IpvsManager(IpvsKernel* kernel, StateStore* store, Options options)
    : kernel_(kernel),
      store_(store),
      options_(std::move(options)),
      log_(runtime::Logger("ipvsd")),
      sync_(kernel, log_),
      mail_(log_) {}

std::set<ServiceKey> IpvsManager::ConfigKeys() const {
  std::set<ServiceKey> keys;
  for (const ServiceConfig& sc : services_) keys.insert(sc.spec.key);
  return keys;
}

std::set<ServiceKey> IpvsManager::Owned() const {
  std::set<ServiceKey> owned = owned_;
  for (const ServiceConfig& sc : services_) owned.insert(sc.spec.key);
  if (options_.own_whole_table)
    for (const auto& [k, v] : actual_) owned.insert(k);
  return owned;
}

std::set<ServiceKey> IpvsManager::OwnedAmong(const std::set<ServiceKey>& keys) const {
  std::set<ServiceKey> owned;
  for (const ServiceKey& k : keys) {
    if (owned_.count(k) || service_index_.count(k) ||
        (options_.own_whole_table && actual_.count(k)))
      owned.insert(k);
  }
  return owned;
}

void IpvsManager::SetServices(std::vector<ServiceConfig> services) {
  services_ = std::move(services);
  service_index_.clear();
  for (size_t i = 0; i < services_.size(); ++i) service_index_.emplace(services_[i].spec.key, i);
  LogSuspensions(inputs_.SetServices(services_));
  passive_.SetServices(services_);
  real_of_target_.clear();
  for (const ServiceConfig& sc : services_) {
    for (const RealConfig& rc : sc.reals)
      real_of_target_.emplace(rc.target_id, RealRef{sc.spec.key, rc.spec.key});
  }
}

void IpvsManager::LogSuspensions(const std::vector<HealthInputs::Suspension>& changes) {
  for (const auto& c : changes) {
    // keepalived's words, so that a log watcher finds them.
    log_->info("{} healthcheckers for VS {}: its address is {} here",
               c.suspended ? "Suspending" : "Activating", c.service.ToString(),
               c.suspended ? "not" : "now");
  }
}

void IpvsManager::OnLocalAddresses(const std::set<net::IpAddress>& addresses) {
  auto changes = inputs_.SetLocalAddresses(addresses);
  LogSuspensions(changes);
  if (!changes.empty() && on_targets_changed_) on_targets_changed_();
}

const ServiceConfig* IpvsManager::FindService(const ServiceKey& key) const {
  auto it = service_index_.find(key);
  return it == service_index_.end() ? nullptr : &services_[it->second];
}

absl::Status IpvsManager::Start() {
  auto parsed = Validate(options_.read_config());
  if (!parsed.ok()) return parsed.status();
  for (const auto& d : parsed->diagnostics)
    log_->warn("{}:{}:{}: {}: {}", d.location().file(), d.location().line(), d.location().column(),
               d.keyword(), d.message());
  config_warnings_ = parsed->diagnostics.size();
  config_ = std::move(parsed->config);
  SetServices(std::move(parsed->services));
  mail_.Configure(config_.global_defs());
  if (options_.configure_notify_fifos) options_.configure_notify_fifos(config_.global_defs());

  auto state = store_->Load();
  if (!state.ok()) {
    // A corrupt state file must not keep the data plane down: start without it, loudly.
    log_->error("{}; starting without saved overrides", std::string(state.status().message()));
  } else {
    overrides_ = std::move(state->overrides);
    owned_ = std::move(state->owned);
  }
  if (auto info = kernel_->GetInfo(); info.ok()) {
    log_->info("kernel IPVS {}.{}.{}, connection table {}", info->version >> 16,
               (info->version >> 8) & 0xff, info->version & 0xff, info->conn_table_size);
  } else {
    return info.status();
  }
  if (absl::Status s = DumpKernel(); !s.ok()) return s;
  if (config_.global_defs().lvs_flush()) {
    // keepalived's lvs_flush: start from an empty table, whoever made what is there.
    std::vector<Operation> ops;
    for (const auto& [key, svc] : actual_)
      ops.push_back({Operation::Kind::kDelService, svc.spec, {}});
    ++table_generation_;  // a dump in flight is out of date
    auto results = kernel_->Apply(ops);
    Reconciler::Record(actual_, ops, results);
    log_->info("lvs_flush: emptied the IPVS table ({} services)", ops.size());
  }
  ApplyTimeouts();
  size_t adopted = 0;
  for (const ServiceKey& k : ConfigKeys()) adopted += actual_.count(k);
  log_->info("adopting the kernel table: {} services in the kernel, {} of them in the config",
             actual_.size(), adopted);
  auto ops = Converge(std::nullopt, "start");
  owned_ = ConfigKeys();
  Persist();
  log_->info("converged on start with {} operations", ops.size());
  ApplySyncRole();
  return absl::OkStatus();
}

absl::Status IpvsManager::DumpKernel() {
  auto table = kernel_->Dump();
  if (!table.ok()) return table.status();
  actual_ = std::move(*table);
  actual_at_ = options_.wall_clock();
  ++table_generation_;
  return absl::OkStatus();
}

DesiredTable IpvsManager::ComputeDesired(const std::set<ServiceKey>* only) {
  DesiredTable d =
      BuildDesiredTable({&services_, &inputs_.health(), &overrides_, &actual_, &quorum_,
                         options_.wall_clock(), only, &passive_.ejections()});
  for (const auto& [k, st] : d.status) quorum_[k] = st.quorum_up;
  return d;
}

std::vector<Operation> IpvsManager::Converge(const std::optional<std::set<ServiceKey>>& keys,
                                             const std::string& reason) {
  if (keys) {
    // Only the services named: work in proportion to them, not to the table.
    DesiredTable part = ComputeDesired(&*keys);
    RunTransitionHooks(desired_, part, &*keys);
    for (const ServiceKey& k : *keys) {
      auto t = part.table.find(k);
      if (t == part.table.end()) {
        desired_.table.erase(k);
        desired_.status.erase(k);
        continue;
      }
      desired_.table[k] = std::move(t->second);
      desired_.status[k] = std::move(part.status[k]);
    }
  } else {
    DesiredTable before = std::move(desired_);
    desired_ = ComputeDesired(nullptr);
    RunTransitionHooks(before, desired_, nullptr);
  }
  last_failures_.clear();
  if (flushed_) return {};
  const std::set<ServiceKey> owned = keys ? OwnedAmong(*keys) : Owned();
  std::vector<Operation> ops = keys
                                   ? Reconciler::DiffServices(desired_.table, actual_, owned, *keys)
                                   : Reconciler::Diff(desired_.table, actual_, owned);
  if (ops.empty()) {
    if (!keys) known_failures_.clear();
    return ops;
  }
  ++table_generation_;  // a dump in flight is out of date
  std::vector<absl::Status> results = kernel_->Apply(ops);
  std::set<ServiceKey> touched;
  size_t failed = 0;
  for (size_t i = 0; i < ops.size(); ++i) {
    touched.insert(ops[i].service.key);
    if (results[i].ok()) {
      if (ops.size() <= 64) log_->info("{}: {}", reason, ops[i].ToString());
    } else {
      ++failed;
      std::string message(results[i].message());
      if (known_failures_.insert(message).second) {
        log_->error("{}: {}", reason, message);
      } else {
        log_->debug("{}: still refused: {}", reason, message);
      }
      last_failures_.push_back(std::move(message));
    }
  }
  if (ops.size() > 64) log_->info("{}: {} operations, {} failed", reason, ops.size(), failed);
  if (!keys) {
    // After a full pass, forget refusals that did not recur, so a new one is loud.
    std::set<std::string> recurring(last_failures_.begin(), last_failures_.end());
    known_failures_ = std::move(recurring);
  }
  Reconciler::Record(actual_, ops, results);
  Publish(touched, reason);
  return ops;
}

namespace {

v1::Protocol MailProtocol(uint16_t protocol) {
  return protocol == IPPROTO_UDP ? v1::UDP : protocol == IPPROTO_SCTP ? v1::SCTP : v1::TCP;
}

// keepalived's FMT_VS and FMT_RS.
std::string MailName(const ServiceKey& k) {
  if (k.is_fwmark()) return absl::StrCat("FWM ", k.fwmark);
  return mail::Endpoint(k.addr.ToString(), MailProtocol(k.protocol), k.port);
}
std::string MailName(const DestKey& d, const ServiceKey& k) {
  return mail::Endpoint(d.addr.ToString(), MailProtocol(k.protocol), d.port);
}

// What keepalived's checkers call themselves in a real server's mail body; nullopt
// when none of them mails (FILE_CHECK's changes send nothing in keepalived).
std::optional<std::string> CheckWords(const v1::RealServer& rs) {
  std::vector<std::string> words;
  for (const v1::Checker& c : rs.checkers()) {
    switch (c.kind_case()) {
      case v1::Checker::kTcp: words.emplace_back("TCP CHECK"); break;
      case v1::Checker::kPing: words.emplace_back("ICMP CHECK"); break;
      case v1::Checker::kUdp: words.emplace_back("UDP CHECK"); break;
      case v1::Checker::kDns: words.emplace_back("DNS_CHECK:"); break;
      case v1::Checker::kMisc: words.emplace_back("MISC CHECK"); break;
      case v1::Checker::kFile: break;
      default: words.emplace_back("CHECK"); break;  // HTTP_GET, SSL_GET, SMTP_CHECK
    }
  }
  if (words.empty()) return std::nullopt;
  return words.size() == 1 ? words.front() : "CHECK";
}

}  // namespace

void IpvsManager::FifoLine(const std::string& line) {
  if (options_.notify_fifo_line) options_.notify_fifo_line(line);
}

void IpvsManager::RunTransitionHooks(const DesiredTable& before, const DesiredTable& after,
                                     const std::set<ServiceKey>* only) {
  // keepalived's notifiers for each change: quorum_up/quorum_down and
  // notify_up/notify_down hooks, and the smtp_alert mails. A full pass goes in the
  // config's order, as keepalived's.
  std::vector<const ServiceConfig*> order;
  if (only) {
    for (const ServiceKey& k : *only)
      if (const ServiceConfig* sc = FindService(k)) order.push_back(sc);
  } else {
    for (const ServiceConfig& sc : services_) order.push_back(&sc);
  }
  const mail::Settings* mail = mail_.settings();
  for (const ServiceConfig* scp : order) {
    const ServiceConfig& sc = *scp;
    auto b = before.status.find(sc.spec.key);
    auto a = after.status.find(sc.spec.key);
    if (a == after.status.end() || b == before.status.end()) continue;
    const std::string service = mail ? MailName(sc.spec.key) : "";
    for (const RealConfig& rc : sc.reals) {
      auto rb = b->second.reals.find(rc.spec.key);
      auto ra = a->second.reals.find(rc.spec.key);
      if (rb == b->second.reals.end() || ra == a->second.reals.end()) continue;
      using H = RealStatus::Health;
      // As keepalived's rs->alive: a real not yet checked counts as up.
      const bool was_up = rb->second.health != H::kDown;
      const bool is_up = ra->second.health != H::kDown;
      if (was_up == is_up) continue;
      const Hook& hook = is_up ? rc.notify_up : rc.notify_down;
      if (options_.run_hook && !hook.empty()) options_.run_hook(hook);
      FifoLine(absl::StrCat("RS ", MailName(rc.spec.key, sc.spec.key), " ", MailName(sc.spec.key),
                            is_up ? " UP" : " DOWN"));
      std::optional<std::string> check =
          mail && rc.source.smtp_alert() ? CheckWords(rc.source) : std::nullopt;
      if (check) {
        mail_.Send(mail::RealServerAlert(*mail, MailName(rc.spec.key, sc.spec.key), service, is_up,
                                         *check, is_up ? "" : ra->second.reason));
      }
    }
    // keepalived: the real server's notifiers first, then the quorum it changed.
    if (b->second.quorum_up != a->second.quorum_up) {
      const Hook& hook = a->second.quorum_up ? sc.quorum_up : sc.quorum_down;
      log_->warn("{}: quorum {}", sc.spec.key.ToString(), a->second.quorum_up ? "gained" : "lost");
      if (options_.run_hook && !hook.empty()) options_.run_hook(hook);
      FifoLine(absl::StrCat("VS ", MailName(sc.spec.key), a->second.quorum_up ? " UP" : " DOWN"));
      if (mail && sc.smtp_alert) {
        mail_.Send(mail::VirtualServerAlert(*mail, service, a->second.quorum_up, sc.quorum,
                                            sc.hysteresis, a->second.alive_weight, false));
      }
    }
  }
}

void IpvsManager::Resync() {
  if (!options_.dump_async) {
    if (absl::Status s = DumpKernel(); !s.ok()) {
      log_->error("resync: {}", std::string(s.message()));
      return;
    }
    ConvergeResync();
    return;
  }
  if (dump_in_flight_) return;  // the last one is still reading
  dump_in_flight_ = true;
  const uint64_t generation = table_generation_;
  options_.dump_async([this, generation](absl::StatusOr<Table> table) {
    dump_in_flight_ = false;
    if (!table.ok()) {
      log_->error("resync: {}", std::string(table.status().message()));
      return;
    }
    if (generation != table_generation_) {
      // ipvsd changed the table while it was read: the dump may miss that change.
      // Under changes that never stop, every third resync reads in place instead.
      if (++stale_dumps_ < 3) {
        log_->debug("resync: the table changed during the dump; the next resync compares");
        return;
      }
      if (absl::Status s = DumpKernel(); !s.ok()) {
        log_->error("resync: {}", std::string(s.message()));
        return;
      }
    } else {
      actual_ = *std::move(table);
      actual_at_ = options_.wall_clock();
      ++table_generation_;
    }
    stale_dumps_ = 0;
    ConvergeResync();
  });
}

void IpvsManager::ConvergeResync() {
  auto ops = Converge(std::nullopt, "resync");
  if (ops.empty()) {
    log_->debug("resync: the kernel table is in sync");
  } else {
    log_->warn("resync repaired drift in the kernel table with {} operations", ops.size());
  }
}

void IpvsManager::ApplyTimeouts() {
  const v1::LvsTimeouts& t = config_.global_defs().lvs_timeouts();
  if (t.tcp_s() == 0 && t.tcp_fin_s() == 0 && t.udp_s() == 0) return;
  // 0 leaves that timeout as it is, in the kernel's call as in the config.
  if (absl::Status s = kernel_->SetTimeouts({t.tcp_s(), t.tcp_fin_s(), t.udp_s()}); !s.ok()) {
    log_->error("lvs_timeouts: the kernel refused tcp {} tcpfin {} udp {}: {}", t.tcp_s(),
                t.tcp_fin_s(), t.udp_s(), std::string(s.message()));
  }
}

void IpvsManager::FlushOnStop() {
  const v1::LvsFlushOnStop mode = config_.global_defs().lvs_flush_on_stop();
  if (mode == v1::LVS_FLUSH_ON_STOP_NONE) return;
  if (absl::Status s = DumpKernel(); !s.ok()) {
    log_->error("lvs_flush_on_stop: cannot read the table: {}", std::string(s.message()));
    return;
  }
  const std::set<ServiceKey> owned = Owned();
  std::vector<Operation> ops;
  for (const auto& [key, svc] : actual_) {
    if (mode == v1::LVS_FLUSH_ON_STOP_FULL || owned.count(key))
      ops.push_back({Operation::Kind::kDelService, svc.spec, {}});
  }
  ++table_generation_;  // a dump in flight is out of date
  auto results = kernel_->Apply(ops);
  size_t removed = 0;
  for (const absl::Status& r : results) removed += r.ok();
  Reconciler::Record(actual_, ops, results);
  log_->info("lvs_flush_on_stop{}: removed {} services",
             mode == v1::LVS_FLUSH_ON_STOP_VS ? " VS" : "", removed);
  // Nothing after this may put a service back: a health pass or a resync's dump
  // still queued on the loop would otherwise converge the table again before exit.
  flushed_ = true;
}

void IpvsManager::Shutdown() {
  RunShutdownHooks();
  FlushOnStop();
}

void IpvsManager::MailRemovedReals(const std::vector<ServiceConfig>& next) {
  // keepalived's "=> Removing <=": a real server the reload takes out while it was up.
  const mail::Settings* mail = mail_.settings();
  if (!mail) return;
  std::set<std::pair<ServiceKey, DestKey>> kept;
  for (const ServiceConfig& sc : next) {
    for (const RealConfig& rc : sc.reals) kept.insert({sc.spec.key, rc.spec.key});
  }
  for (const ServiceConfig& sc : services_) {
    auto st = desired_.status.find(sc.spec.key);
    for (const RealConfig& rc : sc.reals) {
      if (!rc.source.smtp_alert() || kept.count({sc.spec.key, rc.spec.key})) continue;
      if (st != desired_.status.end()) {
        auto rs = st->second.reals.find(rc.spec.key);
        if (rs != st->second.reals.end() && rs->second.health == RealStatus::Health::kDown)
          continue;
      }
      mail_.Send(mail::RealServerRemovedAlert(*mail, MailName(rc.spec.key, sc.spec.key),
                                              MailName(sc.spec.key), false));
    }
  }
}

void IpvsManager::RunShutdownHooks() {
  // keepalived's stop notifiers, for an omega virtual server only: quorum_down if it
  // had quorum, notify_down for each real that was up, and their smtp_alert mails.
  const mail::Settings* mail = mail_.settings();
  for (const ServiceConfig& sc : services_) {
    if (!sc.omega) continue;
    auto st = desired_.status.find(sc.spec.key);
    if (st == desired_.status.end()) continue;
    const std::string service = mail ? MailName(sc.spec.key) : "";
    const bool had_quorum = st->second.quorum_up;
    if (had_quorum && options_.run_hook && !sc.quorum_down.empty())
      options_.run_hook(sc.quorum_down);
    if (had_quorum) FifoLine(absl::StrCat("VS ", MailName(sc.spec.key), " DOWN"));
    for (const RealConfig& rc : sc.reals) {
      auto rs = st->second.reals.find(rc.spec.key);
      if (rs == st->second.reals.end() || rs->second.health == RealStatus::Health::kDown) continue;
      if (options_.run_hook && !rc.notify_down.empty()) options_.run_hook(rc.notify_down);
      FifoLine(absl::StrCat("RS ", MailName(rc.spec.key, sc.spec.key), " ", MailName(sc.spec.key),
                            " DOWN"));
      if (mail && rc.source.smtp_alert()) {
        mail_.Send(
            mail::RealServerRemovedAlert(*mail, MailName(rc.spec.key, sc.spec.key), service, true));
      }
    }
    if (had_quorum && mail && sc.smtp_alert) {
      mail_.Send(
          mail::VirtualServerAlert(*mail, service, false, sc.quorum, sc.hysteresis, 0, true));
    }
  }
}

void IpvsManager::OnHealth(const lvs::v1::HealthEvent& e) {
  const auto before = inputs_.health().find(e.id());
  const bool was_down = before != inputs_.health().end() && !before->second.up;
  std::optional<HealthInputs::Verdict> v = inputs_.OnHealth(e);
  // A real the passive check took out returns when its checks say so: a CheckNow
  // answered up, or it went down and came back.
  std::optional<ServiceKey> restored;
  if (auto r = real_of_target_.find(e.id()); r != real_of_target_.end() && e.up() && !e.removed() &&
                                             (e.recheck() || was_down) &&
                                             passive_.Restore(r->second)) {
    log_->info("{} -> {}: its checks passed; back in rotation (passive check)",
               r->second.first.ToString(), r->second.second.ToString());
    restored = r->second.first;
  } else if (e.recheck() && r != real_of_target_.end() && passive_.ejected(r->second)) {
    log_->info("{} -> {}: its checks failed ({}); it stays out", r->second.first.ToString(),
               r->second.second.ToString(), e.reason());
  }
  if (!v && !restored) return;
  if (v) log_->info("{}", v->line);
  pending_health_.insert(v ? v->service : *restored);
  if (restored) pending_health_.insert(*restored);
  if (!options_.defer) return ApplyPendingHealth();
  // One pass for a burst of events (thousands at checkd's start), not one per event.
  if (health_pass_queued_) return;
  health_pass_queued_ = true;
  options_.defer([this] { ApplyPendingHealth(); });
}

void IpvsManager::ApplyPendingHealth() {
  health_pass_queued_ = false;
  if (pending_health_.empty()) return;
  std::set<ServiceKey> keys = std::move(pending_health_);
  pending_health_.clear();
  Converge(keys, "health");
}

void IpvsManager::OnCheckerConnected(bool connected) {
  if (checker_connected_ == connected) return;
  checker_connected_ = connected;
  if (connected) {
    log_->info("checkd connected: health follows its checks");
  } else {
    log_->warn("checkd unreachable: holding the last known weights (fail static)");
  }
}

std::vector<lvs::v1::CheckTarget> IpvsManager::Targets() const {
  std::vector<lvs::v1::CheckTarget> out;
  for (const ServiceConfig& sc : services_) {
    if (inputs_.suspended(sc.spec.key)) continue;  // ha_suspend: not probed meanwhile
    for (const RealConfig& rc : sc.reals) {
      if (!rc.has_checkers) continue;
      lvs::v1::CheckTarget t;
      t.set_id(rc.target_id);
      t.set_address(rc.spec.key.addr.ToString());
      t.set_port(
          rc.source.port());  // the file's port, even where IPVS forwards to another (DR, TUN)
      t.set_delay_loop_ms(rc.delay_loop_ms);
      t.set_alpha(rc.alpha);
      for (const auto& c : rc.source.checkers()) *t.add_checkers() = c;
      out.push_back(std::move(t));
    }
  }
  return out;
}

std::string IpvsManager::SyncInstance() const { return sync_.instance(); }

void IpvsManager::OnVrrpState(const std::string& instance, lvs::v1::VrrpState state) {
  sync_.OnVrrpState(instance, state);
}

void IpvsManager::ApplySyncRole() {
  sync_.Configure(config_);
  sync_.Apply();
}

namespace {

void AddDiagnostic(lvs::v1::ReloadResponse& resp, lvs::v1::Diagnostic::Severity severity,
                   absl::string_view message, absl::string_view keyword = "") {
  lvs::v1::Diagnostic* d = resp.add_diagnostics();
  d->set_severity(severity);
  if (!keyword.empty()) d->set_keyword(std::string(keyword));
  d->set_message(std::string(message));
}

}  // namespace

lvs::v1::ReloadResponse IpvsManager::Reload(bool dry_run) {
  lvs::v1::ReloadResponse resp;
  auto r = options_.read_config();
  if (!r.ok()) {
    AddDiagnostic(resp, lvs::v1::Diagnostic::ERROR, r.status().message());
    return resp;
  }
  const std::string name = r->config.files_size() ? r->config.files(0) : "the config";
  for (const auto& d : r->diagnostics) *resp.add_diagnostics() = d;
  if (!r->ok()) {
    log_->error("reload refused: {} has errors; nothing changed", name);
    return resp;
  }
  for (const auto& d : r->diagnostics) log_->warn("{}", config::FormatDiagnostic(d));
  auto services = ServicesFromConfig(r->config);
  if (!services.ok()) {
    AddDiagnostic(resp, lvs::v1::Diagnostic::ERROR, services.status().message());
    return resp;
  }
  if (absl::Status s = DumpKernel(); !s.ok()) {
    AddDiagnostic(resp, lvs::v1::Diagnostic::ERROR, s.message());
    return resp;
  }
  // The diff of the new config against the kernel, computed on copies.
  std::map<ServiceKey, bool> quorum = quorum_;
  DesiredTable next = BuildDesiredTable(
      {&*services, &inputs_.health(), &overrides_, &actual_, &quorum, options_.wall_clock()});
  const std::set<ServiceKey> owned = Owned();
  for (const Operation& op : Reconciler::Diff(next.table, actual_, owned))
    resp.add_changes(op.ToString());
  if (dry_run) return resp;

  CommitReload(std::move(*r), std::move(*services), owned);
  // Valid config, but the kernel may still refuse an entry (a scheduler it lacks):
  // the rest is applied and each refusal is reported.
  for (const std::string& failure : last_failures_) {
    AddDiagnostic(resp, lvs::v1::Diagnostic::WARNING, failure, "kernel");
  }
  resp.set_applied(true);
  log_->info("reloaded {}: {} changes", name, resp.changes_size());
  return resp;
}

void IpvsManager::CommitReload(config::ParseResult parsed, std::vector<ServiceConfig> services,
                               const std::set<ServiceKey>& owned) {
  config_ = std::move(parsed.config);
  config_warnings_ = parsed.warning_count();
  mail_.Configure(config_.global_defs());
  if (options_.configure_notify_fifos) options_.configure_notify_fifos(config_.global_defs());
  MailRemovedReals(services);
  SetServices(std::move(services));
  flushed_ = false;
  owned_ = owned;
  ApplyTimeouts();
  Converge(std::nullopt, "reload");
  owned_ = ConfigKeys();
  Persist();
  ApplySyncRole();
  if (on_targets_changed_) on_targets_changed_();
}

absl::Status IpvsManager::SetOverride(const lvs::v1::SetOverrideRequest& req) {
  auto key = ServiceKeyFromProto(req.service());
  if (!key.ok()) return key.status();
  auto kind = OverrideFromProto(req.override());
  if (!kind.ok()) return kind.status();
  if (req.drain_timeout_s() && *kind != OverrideKind::kDrain)
    return absl::InvalidArgumentError("drain_timeout_s applies to DRAIN only");
  const ServiceConfig* sc = FindService(*key);
  if (!sc)
    return absl::NotFoundError(
        absl::StrCat("service ", key->ToString(), " is not in the configuration"));
  OverrideKey okey{*key, std::nullopt};
  if (req.has_real()) {
    auto real = RealKeyFromProto(req.real());
    if (!real.ok()) return real.status();
    bool found = false;
    for (const RealConfig& rc : sc->reals) found = found || rc.spec.key == *real;
    if (!found)
      return absl::NotFoundError(
          absl::StrCat("real server ", real->ToString(), " is not part of ", key->ToString()));
    okey.real = *real;
  }
  if (*kind == OverrideKind::kDefault) {
    overrides_.erase(okey);
  } else {
    overrides_[okey] =
        OverrideEntry{*kind, options_.wall_clock(), absl::Seconds(req.drain_timeout_s())};
  }
  log_->info("override {} {}: {}", key->ToString(),
             okey.real ? okey.real->ToString() : std::string("(whole service)"),
             lvs::v1::Override_Name(OverrideToProto(*kind)));
  Persist();
  Converge(std::set<ServiceKey>{*key}, "override");
  return absl::OkStatus();
}

absl::StatusOr<uint32_t> IpvsManager::Flush(const std::string& confirm) {
  if (confirm != "flush")
    return absl::InvalidArgumentError(
        "Flush deletes every service ipvsd owns from the kernel; set confirm to \"flush\"");
  if (absl::Status s = DumpKernel(); !s.ok()) return s;
  std::vector<Operation> ops;
  const std::set<ServiceKey> owned = Owned();
  for (const auto& [key, svc] : actual_)
    if (owned.count(key)) ops.push_back({Operation::Kind::kDelService, svc.spec, {}});
  ++table_generation_;  // a dump in flight is out of date
  auto results = kernel_->Apply(ops);
  uint32_t removed = 0;
  for (const absl::Status& s : results) removed += s.ok();
  Reconciler::Record(actual_, ops, results);
  // Stay flushed until the next reload: otherwise the next resync would put it all back.
  flushed_ = true;
  log_->warn("flushed {} services on request; the table stays empty until a reload", removed);
  Publish(owned, "flush");
  return removed;
}

lvs::v1::IpvsService IpvsManager::ServiceProto(const ServiceConfig& sc) const {
  return ServiceToProto(sc, actual_, desired_, overrides_);
}

lvs::v1::ListServicesResponse IpvsManager::List() {
  // The cached table: what ipvsd applied since, on the last resync's dump. A listing
  // does not re-read the kernel (10k services take seconds to dump).
  lvs::v1::ListServicesResponse resp;
  resp.set_stats_at_unix_ms(absl::ToUnixMillis(actual_at_));
  for (const ServiceConfig& sc : services_) *resp.add_services() = ServiceProto(sc);
  resp.set_checker_connected(checker_connected_);
  resp.set_config_warnings(static_cast<uint32_t>(config_warnings_));
  if (auto stats = mail_.Stats()) *resp.mutable_mail() = *stats;
  if (auto daemons = kernel_->GetSyncDaemons(); daemons.ok()) {
    for (const SyncDaemon& d : *daemons) {
      if (d.role == SyncRole::kMaster) resp.set_sync_daemon_master(true);
      if (d.role == SyncRole::kBackup) resp.set_sync_daemon_backup(true);
    }
  }
  resp.set_status(StatusLine());
  return resp;
}

absl::StatusOr<lvs::v1::IpvsService> IpvsManager::Get(const lvs::v1::ServiceKey& key) {
  auto k = ServiceKeyFromProto(key);
  if (!k.ok()) return k.status();
  const ServiceConfig* sc = FindService(*k);
  if (!sc)
    return absl::NotFoundError(
        absl::StrCat("service ", k->ToString(), " is not in the configuration"));
  return ServiceProto(*sc);
}

std::vector<lvs::v1::TableEvent> IpvsManager::Snapshot() {
  std::vector<lvs::v1::TableEvent> out;
  for (const ServiceConfig& sc : services_) {
    lvs::v1::TableEvent e;
    e.set_snapshot(true);
    *e.mutable_service() = ServiceProto(sc);
    out.push_back(std::move(e));
  }
  return out;
}

void IpvsManager::Publish(const std::set<ServiceKey>& keys, const std::string& reason) {
  if (!on_table_event_) return;
  for (const ServiceKey& k : keys) {
    lvs::v1::TableEvent e;
    e.set_reason(reason);
    if (const ServiceConfig* sc = FindService(k)) {
      *e.mutable_service() = ServiceProto(*sc);
      e.set_removed(!actual_.count(k));
    } else {
      *e.mutable_service()->mutable_key() = ServiceKeyToProto(k);
      e.set_removed(true);
    }
    on_table_event_(e);
  }
}

void IpvsManager::Persist() {
  if (absl::Status s = store_->Save({overrides_, owned_}); !s.ok())
    log_->error("saving state: {}", std::string(s.message()));
}

void IpvsManager::OnConnectionTable(absl::Time now, std::string_view table_text) {
  if (flushed_) return;
  auto serving = [this](const RealRef& r) {
    auto st = desired_.status.find(r.first);
    if (st == desired_.status.end()) return false;
    auto rs = st->second.reals.find(r.second);
    return rs != st->second.reals.end() && rs->second.wanted && rs->second.weight > 0;
  };
  PassiveHealth::Result result = passive_.Sample(now, table_text, serving);
  for (const std::string& line : result.held) log_->warn("{}", line);
  std::set<ServiceKey> keys;
  for (const PassiveHealth::Ejection& e : result.ejected) {
    log_->warn(
        "{} -> {}: out of new connections (weight 0), passive check: {} (in SYN_RECV over {}); "
        "its checks run now",
        e.real.first.ToString(), e.real.second.ToString(), e.evidence,
        absl::FormatDuration(e.stuck_after));
    keys.insert(e.real.first);
  }
  if (!keys.empty()) {
    std::string reason = "passive check:";
    for (const PassiveHealth::Ejection& e : result.ejected)
      absl::StrAppend(&reason, " ", e.real.second.ToString(), " suspect (", e.evidence, ")");
    Converge(keys, reason);
  }
  // Asked now, and again while the checks have not decided (checkd away, or slow).
  std::vector<PassiveHealth::Ejection> asks = result.ejected;
  for (auto& e : passive_.DueRechecks(now, absl::Seconds(30))) asks.push_back(std::move(e));
  if (options_.check_now) {
    for (const PassiveHealth::Ejection& e : asks)
      options_.check_now(e.target_id, absl::StrCat("passive: ", e.evidence));
  }
}

std::string IpvsManager::StatusLine() const {
  if (flushed_) return "flushed on request: the kernel table stays empty until a reload";
  size_t reals = 0;
  for (const auto& [k, s] : desired_.table) reals += s.dests.size();
  return absl::StrCat(
      services_.size(), " services, ", reals, " reals in rotation; ",
      checker_connected_ ? "checkd connected" : "checkd unreachable: weights held (fail static)");
}

}  // namespace lvs::ipvs
