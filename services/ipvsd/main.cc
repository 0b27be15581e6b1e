// ipvsd: keeps the kernel IPVS table equal to the config's virtual servers, minus
// the real servers checkd finds down, with operators' overrides.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <thread>

#include "absl/strings/numbers.h"
#include "lib/config/diagnostic_sink.h"
#include "lib/metrics/daemon_metrics.h"
#include "lib/proc/command_line.h"
#include "lib/proc/credentials.h"
#include "lib/proc/notify_fifo.h"
#include "lib/proc/script_runner.h"
#include "lib/rpc/watch_hub.h"
#include "lib/runtime/daemon.h"
#include "lib/runtime/flags.h"
#include "lib/runtime/logging.h"
#include "lib/runtime/process_setup.h"
#include "services/ipvsd/ipvs_grpc_service.h"
#include "services/ipvsd/ipvs_manager.h"
#include "services/ipvsd/conn_table.h"
#include "services/ipvsd/ipvs_netlink.h"
#include "services/ipvsd/local_addresses.h"
#include "services/ipvsd/peer_links.h"
#include "services/ipvsd/state_store.h"

namespace lvs::ipvs {
namespace {

// Hooks (notify_up/down, quorum_up/down) run as keepalived's checker process runs
// them: the command line split as keepalived splits it (no shell), as the script's
// user, with enable_script_security's test; spawned on the loop and reaped there,
// so a slow script never holds it.
void RunHook(lvs::proc::ScriptRunner& runner, spdlog::logger& log, const lvs::ipvs::Hook& hook) {
  std::vector<std::string> argv = lvs::proc::SplitCommandLine(hook.command);
  if (argv.empty()) return;
  auto user = lvs::proc::ScriptRunsAs(
      hook.user, hook.group, lvs::proc::DefaultScriptUser(hook.script_user, hook.script_group));
  absl::Status usable = user.status();
  if (usable.ok() && hook.script_security)
    usable = lvs::proc::CheckScriptSecure(argv.front(), *user);
  if (!usable.ok()) {
    log.error("script {} not run: {}", hook.command, std::string(usable.message()));
    return;
  }
  log.info("running {} as {}", hook.command, user->name);
  runner.Run(argv, *user, absl::ZeroDuration(), nullptr);
}

// notify_fifo and lvs_notify_fifo: ipvsd writes the checker's lines (VS/RS UP and
// DOWN) to both, as keepalived's checker process does; the global one's script is
// vrrpd's to run, so only lvs_notify_fifo_script runs here.
class NotifyFifos {
 public:
  void Configure(const lvs::v1::GlobalDefs& global, lvs::proc::ScriptRunner& runner,
                 spdlog::logger& log) {
    const auto default_user =
        lvs::proc::DefaultScriptUser(global.script_user(), global.script_group());
    auto spec_of = [](const lvs::v1::NotifyFifo& f, bool with_script) {
      return lvs::proc::NotifyFifoSpec{.path = f.path(),
                                       .user = f.user(),
                                       .group = f.group(),
                                       .script = with_script ? f.script().command() : "",
                                       .script_user = f.script().user(),
                                       .script_group = f.script().group()};
    };
    for (auto [fifo, spec] : {std::pair{&global_, spec_of(global.notify_fifo(), false)},
                              std::pair{&lvs_, spec_of(global.lvs_notify_fifo(), true)}}) {
      if (spec == fifo->spec() && (fifo->is_open() || spec.path.empty())) continue;
      if (absl::Status s = fifo->Open(spec, runner, default_user); !s.ok())
        log.error("{}", s.ToString());
    }
  }
  void Write(const std::string& line) {
    global_.Write(line);
    lvs_.Write(line);
  }

 private:
  lvs::proc::NotifyFifo global_, lvs_;
};

// Dumps the kernel table on a thread of its own, with its own netlink socket, and
// hands the result to the loop: the manager keeps one dump in flight at most.
class BackgroundDump {
 public:
  BackgroundDump(lvs::event::EventLoop* loop, std::unique_ptr<lvs::ipvs::IpvsNetlink> kernel)
      : loop_(loop), kernel_(std::move(kernel)) {}
  ~BackgroundDump() {
    if (thread_.joinable()) thread_.join();
  }
  void Start(std::function<void(absl::StatusOr<lvs::ipvs::Table>)> done) {
    if (thread_.joinable()) thread_.join();  // finished: its result is already on the loop
    thread_ = std::thread([this, done = std::move(done)] {
      auto table = std::make_shared<absl::StatusOr<lvs::ipvs::Table>>(kernel_->Dump());
      loop_->Post([done, table] { done(std::move(*table)); });
    });
  }

 private:
  lvs::event::EventLoop* loop_;
  std::unique_ptr<lvs::ipvs::IpvsNetlink> kernel_;
  std::thread thread_;
};

lvs::runtime::DaemonOptions ParseFlags(int argc, char** argv) {
  const std::vector<runtime::FlagSpec> extra = {
      {"state-dir", "where ipvsd.state is kept (default: the run dir)", false, ""},
      {"resync-interval", "seconds between full resyncs with the kernel table", false, "10"},
      {"own-whole-table", "delete kernel services the config does not declare", true, ""},
      {"strict-config", "refuse a config file with warnings (as lvsctl config check --strict)",
       true, ""},
  };
  return runtime::ParseFlagsOrDie("ipvsd", argc, argv, extra);
}

// How the manager reads the config. The start reuses what PrepareProcess read (not
// under --strict-config, which reads warnings as errors); every later read parses the file.
std::function<absl::StatusOr<config::ParseResult>()> ConfigReader(
    std::string path, bool strict, std::shared_ptr<const config::ParseResult> first) {
  return [path = std::move(path), strict,
          first = std::move(first)]() mutable -> absl::StatusOr<config::ParseResult> {
    if (first && !strict) {
      config::ParseResult r = *first;
      first.reset();
      return r;
    }
    first.reset();
    return config::ParseFile(path, config::ParseOptions{.strict = strict});
  };
}

// The daemon's pieces, declared in the order they are made, so each is destroyed
// after those that use it.
class Ipvsd {
 public:
  // `kernel` is the manager's netlink socket; `dump_kernel` the resync dumps' own.
  Ipvsd(const runtime::DaemonOptions& options, runtime::ProcessPlan& plan, runtime::Daemon& daemon,
        std::unique_ptr<IpvsNetlink> kernel, std::unique_ptr<IpvsNetlink> dump_kernel, int resync_s,
        std::shared_ptr<spdlog::logger> log);
  // gRPC, then the manager's first load, then the links to checkd and vrrpd and the
  // timers.
  absl::Status Start();
  // Until a stop; then the links end and the shutdown script runs.
  int Run();

 private:
  IpvsManager::Options ManagerOptions();
  void StartLinks();
  // vrrpd is followed only while lvs_sync_daemon names an instance; a reload may
  // name another one.
  void FollowVrrp();
  void Resync();
  void ReportStatus();
  void SampleConnections();

  const runtime::DaemonOptions& options_;
  runtime::ProcessPlan& plan_;
  runtime::Daemon& daemon_;
  event::EventLoop& loop_;
  const std::shared_ptr<spdlog::logger> log_;
  const int resync_s_;
  const std::string state_dir_;
  const std::unique_ptr<IpvsNetlink> kernel_;
  StateStore store_;
  // Before the manager, so destroyed (joined) after it: a dump still running at
  // exit only posts to a loop that no longer runs.
  BackgroundDump background_dump_;
  proc::ScriptRunner hooks_;  // before the manager, which runs them
  NotifyFifos fifos_;
  IpvsManager manager_;
  rpc::WatchHub<v1::TableEvent> hub_;
  IpvsGrpcService service_;
  std::unique_ptr<CheckdLink> checkd_;  // made once the manager has started
  std::unique_ptr<VrrpLink> vrrp_;
  std::string vrrp_instance_;  // the one vrrp_ follows
  std::unique_ptr<LocalAddresses> addresses_;
  bool conn_table_missing_logged_ = false;
};

Ipvsd::Ipvsd(const runtime::DaemonOptions& options, runtime::ProcessPlan& plan,
             runtime::Daemon& daemon, std::unique_ptr<IpvsNetlink> kernel,
             std::unique_ptr<IpvsNetlink> dump_kernel, int resync_s,
             std::shared_ptr<spdlog::logger> log)
    : options_(options),
      plan_(plan),
      daemon_(daemon),
      loop_(daemon.loop()),
      log_(std::move(log)),
      resync_s_(resync_s),
      state_dir_(options.Get("state-dir").empty() ? options.run_dir : options.Get("state-dir")),
      kernel_(std::move(kernel)),
      store_(state_dir_ + "/ipvsd.state"),
      background_dump_(&loop_, std::move(dump_kernel)),
      hooks_(loop_, log_),
      manager_(kernel_.get(), &store_, ManagerOptions()),
      service_(&loop_, &manager_, &hub_) {
  manager_.set_on_table_event([this](const v1::TableEvent& e) { hub_.Publish(e); });
  daemon_.AddService(&service_);
  daemon_.SetMetrics([this](runtime::MetricsText& m) {
    v1::ListServicesResponse table;
    service_.ListServices(nullptr, &v1::ListServicesRequest::default_instance(), &table);
    metrics::RenderIpvs(table, m);
  });
  daemon_.OnReload([this] {
    v1::ReloadResponse r = manager_.Reload(false);
    if (!r.applied()) log_->error("SIGHUP: reload refused, the running table is unchanged");
    daemon_.ReloadOutcome(r.applied(), config::FirstError(r.diagnostics()));
  });
  daemon_.OnStop([this] {
    manager_.Shutdown();
    hub_.Close();
  });
}

IpvsManager::Options Ipvsd::ManagerOptions() {
  IpvsManager::Options o;
  o.read_config =
      ConfigReader(options_.config_path, options_.GetBool("strict-config"), plan_.parsed);
  o.run_hook = [this](const Hook& hook) { RunHook(hooks_, *log_, hook); };
  o.configure_notify_fifos = [this](const v1::GlobalDefs& global) {
    fifos_.Configure(global, hooks_, *log_);
  };
  o.notify_fifo_line = [this](const std::string& line) { fifos_.Write(line); };
  o.own_whole_table = options_.GetBool("own-whole-table");
  o.defer = [this](std::function<void()> task) { loop_.Post(std::move(task)); };
  o.dump_async = [this](std::function<void(absl::StatusOr<Table>)> done) {
    background_dump_.Start(std::move(done));
  };
  o.check_now = [this](const std::string& id, const std::string& reason) {
    if (checkd_) checkd_->CheckNow(id, reason);
  };
  return o;
}

absl::Status Ipvsd::Start() {
  runtime::RunStartupScript(plan_, *log_);
  if (absl::Status s = daemon_.Start(); !s.ok()) return s;
  if (mkdir(state_dir_.c_str(), 0750) == 0) chmod(state_dir_.c_str(), 0750);
  if (absl::Status s = manager_.Start(); !s.ok()) return s;
  // READY once the table is converged: lvs-vrrpd.service starts After= it, so a director
  // coming up never holds the VIP before its table exists.
  daemon_.Ready();
  plan_.parsed.reset();  // the first load has it; a large file need not stay in memory twice

  runtime::EnterRealtime(plan_, *log_);
  StartLinks();
  loop_.AddTimer(absl::Seconds(resync_s_), [this] { Resync(); });
  ReportStatus();
  loop_.AddTimer(absl::Milliseconds(100), [this] { SampleConnections(); });
  return absl::OkStatus();
}

void Ipvsd::StartLinks() {
  checkd_ = std::make_unique<CheckdLink>(options_.run_dir, &loop_, &manager_);
  manager_.set_on_targets_changed([this] {
    checkd_->TargetsChanged();
    FollowVrrp();
  });
  // ha_suspend's view of this host's addresses; without it (no rtnetlink) those
  // services stay suspended, and the log says why.
  auto addresses = LocalAddresses::Create(
      &loop_, [this](const std::set<net::IpAddress>& a) { manager_.OnLocalAddresses(a); });
  if (addresses.ok()) {
    addresses_ = *std::move(addresses);
  } else {
    log_->error("local addresses (ha_suspend): {}", std::string(addresses.status().message()));
  }
  checkd_->Start();
  FollowVrrp();
}

void Ipvsd::FollowVrrp() {
  if (manager_.SyncInstance() == vrrp_instance_) return;
  if (vrrp_) vrrp_->Stop();
  vrrp_.reset();
  vrrp_instance_ = manager_.SyncInstance();
  if (vrrp_instance_.empty()) return;
  vrrp_ = std::make_unique<VrrpLink>(options_.run_dir, &loop_, &manager_, vrrp_instance_);
  vrrp_->Start();
}

// The status line (`systemctl status lvs-ipvsd`) follows the table and the peer links
// within a second; the daemon sends it only when it changed.
void Ipvsd::ReportStatus() {
  daemon_.SetStatus(manager_.StatusLine());
  loop_.AddTimer(absl::Seconds(1), [this] { ReportStatus(); });
}

void Ipvsd::Resync() {
  manager_.Resync();
  loop_.AddTimer(absl::Seconds(resync_s_), [this] { Resync(); });
}

// Passive health: the kernel's connection table every 50 ms while a service has
// lvsha_passive_check, less often (at most 1 s apart) when reading it costs more than a
// tenth of the time between reads (a table of many connections).
void Ipvsd::SampleConnections() {
  absl::Duration next = absl::Seconds(1);
  if (manager_.PassiveEnabled()) {
    const absl::Time start = absl::Now();
    auto text = ReadConnTable();
    if (text.ok()) {
      manager_.OnConnectionTable(absl::Now(), *text);
      conn_table_missing_logged_ = false;
    } else if (!conn_table_missing_logged_) {
      log_->error("passive check: {}", std::string(text.status().message()));
      conn_table_missing_logged_ = true;
    }
    next = std::clamp((absl::Now() - start) * 10, absl::Milliseconds(50), absl::Seconds(1));
  }
  loop_.AddTimer(next, [this] { SampleConnections(); });
}

int Ipvsd::Run() {
  int rc = daemon_.Run();
  if (vrrp_) vrrp_->Stop();
  checkd_->Stop();
  runtime::RunShutdownScript(plan_, *log_);
  return rc;
}

}  // namespace
}  // namespace lvs::ipvs

int main(int argc, char** argv) {
  using namespace lvs;
  runtime::DaemonOptions options = ipvs::ParseFlags(argc, argv);
  auto log = runtime::Logger("ipvsd");
  auto plan = runtime::PrepareProcess(options, *log);
  if (!plan.ok()) {
    log->critical("cannot start: {}", std::string(plan.status().message()));
    return 1;
  }
  runtime::ApplyProcessOptions(*plan, *log);
  int resync_s = 10;
  if (!absl::SimpleAtoi(options.Get("resync-interval"), &resync_s) || resync_s < 1) {
    std::fprintf(stderr, "ipvsd: --resync-interval must be a whole number of seconds >= 1\n");
    return 2;
  }
  auto kernel = ipvs::IpvsNetlink::Create();
  if (!kernel.ok()) {
    log->critical("{}", std::string(kernel.status().message()));
    return 1;
  }
  auto daemon = runtime::Daemon::Create(options);
  if (!daemon.ok()) {
    log->critical("{}", std::string(daemon.status().message()));
    return 1;
  }
  auto dump_kernel = ipvs::IpvsNetlink::Create();
  if (!dump_kernel.ok()) {
    log->critical("{}", std::string(dump_kernel.status().message()));
    return 1;
  }
  ipvs::Ipvsd ipvsd(options, *plan, **daemon, *std::move(kernel), *std::move(dump_kernel), resync_s,
                    log);
  if (absl::Status s = ipvsd.Start(); !s.ok()) {
    log->critical("{}", std::string(s.message()));
    return 1;
  }
  return ipvsd.Run();
}
