// checkd: probes real servers for whoever hands it targets (ipvsd) and serves
// their health. From --config it reads only what concerns its own process
// (global_defs' checker_* options, umask, net_namespace, instance).
#include <sys/resource.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/numbers.h"
#include "lib/metrics/daemon_metrics.h"
#include "lib/rpc/watch_hub.h"
#include "lib/runtime/daemon.h"
#include "lib/runtime/logging.h"
#include "lib/runtime/process_setup.h"
#include "services/checkd/check_engine.h"
#include "services/checkd/checker_factory.h"
#include "services/checkd/checker_service.h"

namespace {

// Each probe in flight holds a socket or a pidfd; thousands of targets need more
// than the usual soft limit of 1024. Returns how many probes may run at once,
// leaving room for gRPC, logs and curl.
size_t RaiseFileLimit() {
  rlimit lim;
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return 512;
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
    getrlimit(RLIMIT_NOFILE, &lim);
  }
  return lim.rlim_cur > 2048 ? lim.rlim_cur - 1024 : lim.rlim_cur / 2;
}

lvs::runtime::DaemonOptions ParseFlags(int argc, char** argv) {
  return lvs::runtime::ParseFlagsOrDie(
      "checkd", argc, argv,
      {{"realtime-priority",
        "SCHED_RR priority (1-99) for the probe loop, over the config's checker_rt_priority; "
        "0: the config's (normal scheduling if none)",
        false, "0"},
       {"allow-probe-scripts",
        "let ProbeOnce run an ad-hoc MISC_CHECK (a command of the caller's choosing, as "
        "checkd's user); off by default",
        true, ""}});
}

// The engine's listener: each change of a target's health is logged and published
// to the WatchHealth streams.
lvs::checkd::CheckEngine::Listener PublishHealth(spdlog::logger& log,
                                                 lvs::rpc::WatchHub<lvs::v1::HealthEvent>& hub) {
  return [&log, &hub](const lvs::v1::HealthEvent& e) {
    if (e.snapshot()) return;
    if (e.removed()) {
      log.info("{}: removed", e.id());
    } else {
      log.info("{}: {} ({})", e.id(), e.up() ? "UP" : "DOWN", e.reason());
    }
    hub.Publish(e);
  };
}

// Rendered on the loop thread, so the engine can be read directly.
void RenderMetrics(lvs::checkd::CheckEngine& engine, lvs::runtime::MetricsText& m) {
  lvs::metrics::RenderChecks(engine.ListChecks(), m);
  lvs::v1::CheckerStats st = engine.Stats(false);
  m.Counter("lvs_checkd_runs_total", "Checker runs completed.", {}, static_cast<double>(st.runs()));
  m.Gauge("lvs_checkd_in_flight", "Probes running now.", {}, st.in_flight());
  const char* lateness_help = "How late scheduled checks started (recent runs).";
  m.Gauge("lvs_checkd_schedule_lateness_seconds", lateness_help, {{"quantile", "0.5"}},
          st.lateness_p50_us() / 1e6);
  m.Gauge("lvs_checkd_schedule_lateness_seconds", lateness_help, {{"quantile", "0.99"}},
          st.lateness_p99_us() / 1e6);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace lvs;
  runtime::DaemonOptions options = ParseFlags(argc, argv);
  auto log = runtime::Logger("checkd");
  int rt_priority = 0;
  if (!absl::SimpleAtoi(options.Get("realtime-priority"), &rt_priority) || rt_priority < 0 ||
      rt_priority > 99) {
    log->critical("--realtime-priority {}: want 0 (the config's) to 99",
                  options.Get("realtime-priority"));
    return 2;
  }
  auto plan = runtime::PrepareProcess(options, *log);
  if (!plan.ok()) {
    log->critical("cannot start: {}", std::string(plan.status().message()));
    return 1;
  }
  if (rt_priority > 0) plan->options.set_rt_priority(static_cast<uint32_t>(rt_priority));
  runtime::ApplyProcessOptions(*plan, *log);
  const size_t max_in_flight = RaiseFileLimit();
  auto daemon = runtime::Daemon::Create(options);
  if (!daemon.ok()) {
    log->critical("cannot start: {}", daemon.status().ToString());
    return 1;
  }
  event::EventLoop* loop = &(*daemon)->loop();
  auto factory = checkd::LoopCheckerFactory::Create(loop);
  if (!factory.ok()) {
    log->critical("cannot start: {}", factory.status().ToString());
    return 1;
  }
  rpc::WatchHub<v1::HealthEvent> hub;
  auto engine = std::make_unique<checkd::CheckEngine>(
      loop, factory->get(), PublishHealth(*log, hub), std::random_device{}(), max_in_flight);
  checkd::CheckerService service(loop, engine.get(), &hub, options.GetBool("allow-probe-scripts"));
  (*daemon)->AddService(&service);
  (*daemon)->SetMetrics([&](runtime::MetricsText& m) { RenderMetrics(*engine, m); });
  // RPCs may still arrive while the server drains, so the engine lives until
  // Run() returns; only the watch streams are ended here.
  (*daemon)->OnStop([&] { hub.Close(); });
  if (auto s = (*daemon)->Start(); !s.ok()) {
    log->critical("cannot start: {}", s.ToString());
    return 1;
  }
  runtime::EnterRealtime(*plan, *log);
  (*daemon)->SetStatus("probing; waiting for targets");
  (*daemon)->Ready();
  return (*daemon)->Run();
}
