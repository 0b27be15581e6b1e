// vrrpd: VRRP election, virtual addresses and gratuitous ARP / unsolicited NA for
// the vrrp_instance blocks of a keepalived.conf.
#include <string.h>

#include <functional>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "lib/metrics/daemon_metrics.h"
#include "lib/config/config_parser.h"
#include "lib/config/diagnostic_sink.h"
#include "lib/runtime/daemon.h"
#include "lib/runtime/process_setup.h"
#include "services/vrrpd/vrrp_router.h"
#include "services/vrrpd/vrrp_service.h"

namespace {

using lvs::v1::Diagnostic;

// Parses the config and applies it (or only computes the diff), as SIGHUP, the
// Reload RPC and the first start all do. The start passes what PrepareProcess read
// (not under --strict-config, which reads warnings as errors).
lvs::v1::ReloadResponse LoadAndApply(
    const std::string& path, bool strict, lvs::vrrp::VrrpRouter& router, bool dry_run,
    spdlog::logger& log, const std::shared_ptr<const lvs::config::ParseResult>& read = nullptr) {
  lvs::v1::ReloadResponse resp;
  auto parsed = read && !strict
                    ? absl::StatusOr<lvs::config::ParseResult>(*read)
                    : lvs::config::ParseFile(path, lvs::config::ParseOptions{.strict = strict});
  auto fail = [&](const std::string& message) {
    Diagnostic* d = resp.add_diagnostics();
    d->set_severity(Diagnostic::ERROR);
    d->mutable_location()->set_file(path);
    d->set_message(message);
    log.error("{}: {}", path, message);
    return resp;
  };
  if (!parsed.ok()) return fail(std::string(parsed.status().message()));
  for (const Diagnostic& d : parsed->diagnostics) *resp.add_diagnostics() = d;
  const std::string text = lvs::config::FormatDiagnostics(parsed->diagnostics);
  if (!text.empty()) log.warn("{}", text.substr(0, text.size() - 1));
  if (!parsed->ok()) {
    log.error("{}: {} error(s); nothing changed", path, parsed->error_count());
    return resp;
  }
  std::vector<std::string> changes;
  absl::Status s = router.Apply(parsed->config, dry_run, &changes);
  for (const std::string& c : changes) resp.add_changes(c);
  if (!s.ok()) return fail(std::string(s.message()));
  resp.set_applied(!dry_run);
  if (!dry_run) router.set_config_warnings(parsed->warning_count());
  for (const std::string& c : changes) log.info("{}{}", dry_run ? "would " : "", c);
  log.info("{}: {}, {} change(s)", path, dry_run ? "checked" : "applied", changes.size());
  return resp;
}

lvs::runtime::DaemonOptions ParseFlags(int argc, char** argv) {
  const std::vector<lvs::runtime::FlagSpec> extra = {
      {"realtime",
       "run at SCHED_RR real-time priority 10, memory locked (unless the config's "
       "vrrp_rt_priority says otherwise)",
       true, ""},
      {"strict-config", "refuse a config file with warnings (as lvsctl config check --strict)",
       true, ""},
  };
  return lvs::runtime::ParseFlagsOrDie("vrrpd", argc, argv, extra);
}

// The first load, on the loop (the router lives there), from what PrepareProcess read.
bool FirstLoad(lvs::runtime::Daemon& daemon, lvs::runtime::ProcessPlan& plan,
               const std::string& path, bool strict, lvs::vrrp::VrrpRouter& router,
               spdlog::logger& log) {
  bool started = false;
  daemon.loop().RunSync([&] {
    started = LoadAndApply(path, strict, router, false, log, plan.parsed).applied();
    plan.parsed.reset();  // the first load had it
  });
  if (!started) log.critical("{}: not started", path);
  return started;
}

// The instances' states on the status line (`systemctl status lvs-vrrpd`), checked
// every second and sent when they change.
void ReportStates(lvs::runtime::Daemon& daemon, lvs::vrrp::VrrpRouter& router) {
  auto last = std::make_shared<std::string>();
  auto report = std::make_shared<std::function<void()>>();
  *report = [&daemon, &router, last, report] {
    absl::StatusOr<lvs::v1::VrrpStatus> status = router.Status("");
    if (!status.ok()) status = lvs::v1::VrrpStatus();
    std::string line;
    for (const lvs::v1::VrrpInstanceStatus& i : status->instances()) {
      absl::StrAppend(&line, line.empty() ? "" : ", ", i.name(), " ",
                      lvs::v1::VrrpState_Name(i.state()), " (priority ", i.effective_priority(),
                      ")");
    }
    if (line.empty()) line = "no vrrp_instance";
    if (line != *last) daemon.SetStatus(line);
    *last = line;
    daemon.loop().AddTimer(absl::Seconds(1), [report] { (*report)(); });
  };
  daemon.loop().Post([report] { (*report)(); });
}

}  // namespace

int main(int argc, char** argv) {
  lvs::runtime::DaemonOptions options = ParseFlags(argc, argv);
  auto log = lvs::runtime::Logger("vrrpd");
  auto plan = lvs::runtime::PrepareProcess(options, *log);
  if (!plan.ok()) {
    log->critical("cannot start: {}", std::string(plan.status().message()));
    return 1;
  }
  // The protocol's timing floor is the skew (a few ms at priority 254): run ahead of
  // ordinary processes so a busy machine does not delay adverts.
  if (options.GetBool("realtime") && plan->options.rt_priority() == 0) {
    plan->options.set_rt_priority(10);
    plan->options.set_no_swap(true);
  }
  lvs::runtime::ApplyProcessOptions(*plan, *log);
  auto daemon = lvs::runtime::Daemon::Create(options);
  if (!daemon.ok()) {
    log->critical("{}", daemon.status().ToString());
    return 1;
  }

  lvs::vrrp::VrrpRouter router((*daemon)->loop(), log);
  if (absl::Status s = router.Init(); !s.ok()) {
    log->critical("{}", s.ToString());
    return 1;
  }
  const std::string path = options.config_path;
  const bool strict = options.GetBool("strict-config");
  lvs::vrrp::VrrpService service(&(*daemon)->loop(), &router, [&](bool dry_run) {
    return LoadAndApply(path, strict, router, dry_run, *log);
  });
  (*daemon)->AddService(&service);
  (*daemon)->SetMetrics([&](lvs::runtime::MetricsText& m) {
    lvs::v1::VrrpStatus status;
    service.GetStatus(nullptr, &lvs::v1::GetVrrpStatusRequest::default_instance(), &status);
    lvs::metrics::RenderVrrp(status, m);
  });
  (*daemon)->OnReload([&] {
    lvs::v1::ReloadResponse r = LoadAndApply(path, strict, router, false, *log);
    (*daemon)->ReloadOutcome(r.applied(), lvs::config::FirstError(r.diagnostics()));
  });
  (*daemon)->OnStop([&] { router.Shutdown(); });
  lvs::runtime::RunStartupScript(*plan, *log);
  if (absl::Status s = (*daemon)->Start(); !s.ok()) {
    log->critical("{}", s.ToString());
    return 1;
  }
  if (!FirstLoad(**daemon, *plan, path, strict, router, *log)) return 1;
  ReportStates(**daemon, router);
  (*daemon)->Ready();
  lvs::runtime::EnterRealtime(*plan, *log);
  const int rc = (*daemon)->Run();
  lvs::runtime::RunShutdownScript(*plan, *log);
  return rc;
}
