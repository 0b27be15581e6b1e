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

namespace {

// Hooks (notify_up/down, quorum_up/down) run as keepalived's checker process runs
// them: the command line split as keepalived splits it (no shell), as the script's
// user, with enable_script_security's test; spawned on the loop and reaped there,
// so a slow script never holds it.
void RunHook(lvs::proc::ScriptRunner& runner, spdlog::logger& log, const lvs::ipvs::Hook& hook) {
  std::vector<std::string> argv = lvs::proc::SplitCommandLine(hook.command);
  if (argv.empty()) return;
  auto user = lvs::proc::ScriptRunsAs(hook.user, hook.group,
                                      lvs::proc::DefaultScriptUser(hook.script_user, hook.script_group));
  absl::Status usable = user.status();
  if (usable.ok() && hook.script_security) usable = lvs::proc::CheckScriptSecure(argv.front(), *user);
  if (!usable.ok()) {
    log.error("script {} not run: {}", hook.command, std::string(usable.message()));
    return;
  }
  log.info("running {} as {}", hook.command, user->name);
  runner.Run(std::move(argv), *user, absl::ZeroDuration(), nullptr);
}

// notify_fifo and lvs_notify_fifo: ipvsd writes the checker's lines (VS/RS UP and
// DOWN) to both, as keepalived's checker process does; the global one's script is
// vrrpd's to run, so only lvs_notify_fifo_script runs here.
class NotifyFifos {
 public:
  void Configure(const lvs::v1::GlobalDefs& global, lvs::proc::ScriptRunner& runner, spdlog::logger& log) {
    const auto default_user = lvs::proc::DefaultScriptUser(global.script_user(), global.script_group());
    auto spec_of = [](const lvs::v1::NotifyFifo& f, bool with_script) {
      return lvs::proc::NotifyFifoSpec{
          .path = f.path(), .user = f.user(), .group = f.group(),
          .script = with_script ? f.script().command() : "",
          .script_user = f.script().user(), .script_group = f.script().group()};
    };
    for (auto [fifo, spec] : {std::pair{&global_, spec_of(global.notify_fifo(), false)},
                              std::pair{&lvs_, spec_of(global.lvs_notify_fifo(), true)}}) {
      if (spec == fifo->spec() && (fifo->is_open() || spec.path.empty())) continue;
      if (absl::Status s = fifo->Open(spec, runner, default_user); !s.ok()) log.error("{}", s.ToString());
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

}  // namespace

int main(int argc, char** argv) {
  using namespace lvs;
  const std::vector<runtime::FlagSpec> extra = {
      {"state-dir", "where ipvsd.state is kept (default: the run dir)", false, ""},
      {"resync-interval", "seconds between full resyncs with the kernel table", false, "10"},
      {"own-whole-table", "delete kernel services the config does not declare", true, ""},
      {"strict-config", "refuse a config file with warnings (as lvsctl config check --strict)",
       true, ""},
  };
  runtime::DaemonOptions options = runtime::ParseFlagsOrDie("ipvsd", argc, argv, extra);
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
  const std::string state_dir =
      options.Get("state-dir").empty() ? options.run_dir : options.Get("state-dir");

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
  event::EventLoop& loop = (*daemon)->loop();

  ipvs::StateStore store(state_dir + "/ipvsd.state");
  auto dump_kernel = ipvs::IpvsNetlink::Create();
  if (!dump_kernel.ok()) {
    log->critical("{}", std::string(dump_kernel.status().message()));
    return 1;
  }
  // Declared before the manager, so destroyed (joined) after it: a dump still
  // running at exit only posts to a loop that no longer runs.
  BackgroundDump background_dump(&loop, *std::move(dump_kernel));
  proc::ScriptRunner hooks(loop, log);  // before the manager, which runs them
  NotifyFifos fifos;
  ipvs::CheckdLink* checkd_link = nullptr;  // set once the link exists (after the manager's start)
  ipvs::IpvsManager manager(kernel->get(), &store,
                            {[path = options.config_path, strict = options.GetBool("strict-config"),
                              first = plan->parsed]() mutable -> absl::StatusOr<config::ParseResult> {
                               // The start reuses what PrepareProcess read (not under
                               // --strict-config, which reads warnings as errors).
                               if (first && !strict) {
                                 config::ParseResult r = *first;
                                 first.reset();
                                 return r;
                               }
                               first.reset();
                               return config::ParseFile(path, config::ParseOptions{.strict = strict});
                             },
                             [] { return absl::Now(); },
                             [&hooks, &log](const ipvs::Hook& hook) { RunHook(hooks, *log, hook); },
                             [&fifos, &hooks, &log](const v1::GlobalDefs& global) {
                               fifos.Configure(global, hooks, *log);
                             },
                             [&fifos](const std::string& line) { fifos.Write(line); },
                             options.GetBool("own-whole-table"),
                             [&loop](std::function<void()> task) { loop.Post(std::move(task)); },
                             [&background_dump](std::function<void(absl::StatusOr<ipvs::Table>)> done) {
                               background_dump.Start(std::move(done));
                             },
                             [&checkd_link](const std::string& id, const std::string& reason) {
                               if (checkd_link) checkd_link->CheckNow(id, reason);
                             }});
  rpc::WatchHub<v1::TableEvent> hub;
  manager.set_on_table_event([&hub](const v1::TableEvent& e) { hub.Publish(e); });
  ipvs::IpvsGrpcService service(&loop, &manager, &hub);
  (*daemon)->AddService(&service);
  (*daemon)->SetMetrics([&](runtime::MetricsText& m) {
    v1::ListServicesResponse table;
    service.ListServices(nullptr, &v1::ListServicesRequest::default_instance(), &table);
    metrics::RenderIpvs(table, m);
  });

  runtime::RunStartupScript(*plan, *log);
  if (absl::Status s = (*daemon)->Start(); !s.ok()) {
    log->critical("{}", std::string(s.message()));
    return 1;
  }
  if (mkdir(state_dir.c_str(), 0750) == 0) chmod(state_dir.c_str(), 0750);
  if (absl::Status s = manager.Start(); !s.ok()) {
    log->critical("{}", std::string(s.message()));
    return 1;
  }
  plan->parsed.reset();  // the first load has it; a large file need not stay in memory twice

  runtime::EnterRealtime(*plan, *log);
  ipvs::CheckdLink checkd(options.run_dir, &loop, &manager);
  checkd_link = &checkd;
  // vrrpd is followed only while lvs_sync_daemon names an instance; a reload may
  // name another one.
  std::unique_ptr<ipvs::VrrpLink> vrrp;
  std::string vrrp_instance;
  auto follow_vrrp = [&] {
    if (manager.SyncInstance() == vrrp_instance) return;
    if (vrrp) vrrp->Stop();
    vrrp.reset();
    vrrp_instance = manager.SyncInstance();
    if (vrrp_instance.empty()) return;
    vrrp = std::make_unique<ipvs::VrrpLink>(options.run_dir, &loop, &manager, vrrp_instance);
    vrrp->Start();
  };
  manager.set_on_targets_changed([&] {
    checkd.TargetsChanged();
    follow_vrrp();
  });
  // ha_suspend's view of this host's addresses; without it (no rtnetlink) those
  // services stay suspended, and the log says why.
  auto addresses = ipvs::LocalAddresses::Create(
      &loop, [&manager](const std::set<net::IpAddress>& a) { manager.OnLocalAddresses(a); });
  if (!addresses.ok()) log->error("local addresses (ha_suspend): {}", std::string(addresses.status().message()));
  checkd.Start();
  follow_vrrp();

  std::function<void()> resync = [&] {
    manager.Resync();
    (*daemon)->SetStatus(manager.StatusLine());
    loop.AddTimer(absl::Seconds(resync_s), resync);
  };
  loop.AddTimer(absl::Seconds(resync_s), resync);
  (*daemon)->SetStatus(manager.StatusLine());

  // Passive health: the kernel's connection table every 50 ms while a service has
  // lvsha_passive_check, less often (at most 1 s apart) when reading it costs more than a
  // tenth of the time between reads (a table of many connections).
  bool conn_table_missing_logged = false;
  std::function<void()> sample_connections = [&] {
    absl::Duration next = absl::Seconds(1);
    if (manager.PassiveEnabled()) {
      const absl::Time start = absl::Now();
      auto text = ipvs::ReadConnTable();
      if (text.ok()) {
        manager.OnConnectionTable(absl::Now(), *text);
        conn_table_missing_logged = false;
      } else if (!conn_table_missing_logged) {
        log->error("passive check: {}", std::string(text.status().message()));
        conn_table_missing_logged = true;
      }
      next = std::clamp((absl::Now() - start) * 10, absl::Milliseconds(50), absl::Seconds(1));
    }
    loop.AddTimer(next, sample_connections);
  };
  loop.AddTimer(absl::Milliseconds(100), sample_connections);

  (*daemon)->OnReload([&] {
    v1::ReloadResponse r = manager.Reload(false);
    if (!r.applied()) log->error("SIGHUP: reload refused, the running table is unchanged");
  });
  (*daemon)->OnStop([&] {
    manager.Shutdown();
    hub.Close();
  });
  int rc = (*daemon)->Run();
  if (vrrp) vrrp->Stop();
  checkd.Stop();
  runtime::RunShutdownScript(*plan, *log);
  return rc;
}
