#include "services/cli/daemon_commands.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "lib/config/config_parser.h"
#include "lvs/v1/check.grpc.pb.h"
#include "lvs/v1/ipvs.grpc.pb.h"
#include "lvs/v1/vrrp.grpc.pb.h"
#include "services/cli/command_registry.h"
#include "services/cli/command_support.h"
#include "services/cli/endpoint_syntax.h"
#include "services/cli/printers.h"

namespace lvs::cli {

const char kDaemonCommandsHelp[] = R"(daemon commands:
  status                           every daemon, VRRP instance and service at a glance
  show vrrp                        VRRP instances: state, priority, master, counters
  show services                    like ipvsadm -Ln, plus weight/configured, health, override
  show service SERVICE             one service, e.g. "TCP 192.168.64.100:80" or 192.168.64.100:80
  show checks                      every check: last result, latency, consecutive failures
  show config [FILE]               the parsed config (default /etc/lvs/keepalived.conf)
  failover [INSTANCE]              the master steps down with a priority-0 advert (all instances if none given)
  vrrp down|up INSTANCE            take an instance out of / back into the election
  drain REAL [--drain-timeout S]   weight 0 until its connections end (or S seconds), then out
  disable|enable|default REAL      take out / force in / back to health and config
                                   REAL: VIP:PORT/RIP:PORT, or RIP[:PORT] for every service that has it
  reload [--dry-run]               vrrpd and ipvsd re-read the config; --dry-run prints the diff only
  watch                            live events from all three daemons, one line each
options for these: --run-dir DIR (default /run/lvs), --instance ID (/run/lvs/ID), --json, --timeout S,
  --connect HOST:PORT --tls-cert F --tls-key F --tls-ca F (a daemon's mutual-TLS listener)
)";

namespace {

// One clear line when a daemon's socket is not there, instead of a gRPC timeout.
bool Running(const ClientOptions& opts, const std::string& daemon, bool report = true) {
  if (!opts.connect.empty()) return true;
  std::string sock = absl::StrCat(opts.run_dir, "/", daemon, ".sock");
  struct stat st;
  // Whether the socket can be trusted is DaemonChannel's to say (every command goes
  // through it).
  // A socket this user may not open is said as such: "does not exist" would send them
  // looking for a daemon that runs.
  const bool found = stat(sock.c_str(), &st) == 0;
  if (found && S_ISSOCK(st.st_mode) && access(sock.c_str(), R_OK | W_OK) == 0) return true;
  if (!report) return false;
  const bool denied = (!found || S_ISSOCK(st.st_mode)) && errno == EACCES;
  if (denied) {
    std::fprintf(stderr,
                 "lvsctl: permission denied: %s (run as root, or as a member of the group "
                 "that owns %s)\n",
                 sock.c_str(), opts.run_dir.c_str());
  } else {
    std::fprintf(stderr, "%s is not running: %s does not exist\n", daemon.c_str(), sock.c_str());
  }
  return false;
}

template <typename Service>
std::unique_ptr<typename Service::Stub> Stub(const ClientOptions& opts, const std::string& daemon) {
  auto channel = DaemonChannel(opts, daemon);
  if (!channel.ok()) {
    std::fprintf(stderr, "lvsctl: %s\n", std::string(channel.status().message()).c_str());
    return nullptr;
  }
  return Service::NewStub(*channel);
}

grpc::Status GetVrrp(const ClientOptions& opts, lvs::v1::VrrpStatus* out) {
  auto stub = Stub<lvs::v1::Vrrp>(opts, "vrrpd");
  if (!stub) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad connection options");
  return stub->GetStatus(CallContext(opts).get(), {}, out);
}

grpc::Status GetServices(const ClientOptions& opts, lvs::v1::ListServicesResponse* out) {
  auto stub = Stub<lvs::v1::Ipvs>(opts, "ipvsd");
  if (!stub) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad connection options");
  return stub->ListServices(CallContext(opts).get(), {}, out);
}

grpc::Status GetChecks(const ClientOptions& opts, lvs::v1::ListChecksResponse* out) {
  auto stub = Stub<lvs::v1::CheckerService>(opts, "checkd");
  if (!stub) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad connection options");
  return stub->ListChecks(CallContext(opts).get(), {}, out);
}

// Runs `fetch` for a daemon and prints its answer (JSON or text); returns an exit code.
template <typename Msg, typename Fetch, typename Render>
int ShowOne(const ClientOptions& opts, const std::string& daemon, Fetch fetch, Render render) {
  if (!Running(opts, daemon)) return kExitFailed;
  Msg msg;
  grpc::Status s = fetch(opts, &msg);
  if (!s.ok()) return ReportRpcError(opts, daemon, s);
  if (opts.json) {
    PrintJson(msg);
    std::printf("\n");
  } else {
    std::fputs(render(msg).c_str(), stdout);
  }
  return kExitOk;
}

}  // namespace

int RunStatus(std::vector<std::string> args) {
  auto opts = ExtractClientOptions(args);
  if (!opts.ok()) return ReportUsage(std::string(opts.status().message()));
  if (!args.empty()) return ReportUsage("status takes no arguments");
  int rc = kExitOk;
  lvs::v1::VrrpStatus vrrp;
  lvs::v1::ListServicesResponse services;
  lvs::v1::ListChecksResponse checks;
  bool have_vrrp = false, have_services = false, have_checks = false;
  auto fetch = [&](const std::string& d, auto getter, auto* msg, bool* have) {
    if (!Running(*opts, d, !opts->json)) {
      rc = kExitFailed;
      return;
    }
    grpc::Status s = getter(*opts, msg);
    if (!s.ok()) {
      rc = ReportRpcError(*opts, d, s);
      return;
    }
    *have = true;
  };
  fetch("vrrpd", GetVrrp, &vrrp, &have_vrrp);
  fetch("ipvsd", GetServices, &services, &have_services);
  fetch("checkd", GetChecks, &checks, &have_checks);
  if (opts->json) {
    // One object; a daemon that did not answer is simply absent.
    std::printf("{\n\"vrrpd\": ");
    have_vrrp ? PrintJson(vrrp) : (void)std::printf("null");
    std::printf(",\n\"ipvsd\": ");
    have_services ? PrintJson(services) : (void)std::printf("null");
    std::printf(",\n\"checkd\": ");
    have_checks ? PrintJson(checks) : (void)std::printf("null");
    std::printf("\n}\n");
    return rc;
  }
  std::printf("daemons: vrrpd %s, ipvsd %s, checkd %s\n\n", have_vrrp ? "up" : "DOWN",
              have_services ? "up" : "DOWN", have_checks ? "up" : "DOWN");
  if (have_vrrp) std::printf("%s\n", VrrpTable(vrrp, false).c_str());
  if (have_services) std::printf("%s\n", ServicesTable(services).c_str());
  // Warnings never pass silently: both config readers report how many they saw.
  const uint32_t warnings = std::max(have_vrrp ? vrrp.config_warnings() : 0u,
                                     have_services ? services.config_warnings() : 0u);
  if (have_vrrp || have_services) {
    std::printf("config: %u warning%s%s\n\n", warnings, warnings == 1 ? "" : "s",
                warnings ? " (lvsctl config check)" : "");
  }
  if (have_checks) {
    int down = 0;
    for (const auto& c : checks.checks()) down += !c.up();
    std::printf("checks: %d, %d down\n", checks.checks_size(), down);
    for (const auto& c : checks.checks())
      if (!c.up()) std::printf("  DOWN %s: %s\n", c.target_id().c_str(), c.last().reason().c_str());
  }
  return rc;
}

int RunShow(std::vector<std::string> args) {
  auto opts = ExtractClientOptions(args);
  if (!opts.ok()) return ReportUsage(std::string(opts.status().message()));
  if (args.empty())
    return ReportUsage("show: expected vrrp, services, service SERVICE, checks or config");
  const std::string what = args[0];
  if (what == "vrrp")
    return ShowOne<lvs::v1::VrrpStatus>(*opts, "vrrpd", GetVrrp,
                                        [](const auto& m) { return VrrpTable(m, true); });
  if (what == "services")
    return ShowOne<lvs::v1::ListServicesResponse>(*opts, "ipvsd", GetServices,
                                                  [](const auto& m) { return ServicesTable(m); });
  if (what == "checks")
    return ShowOne<lvs::v1::ListChecksResponse>(*opts, "checkd", GetChecks,
                                                [](const auto& m) { return ChecksTable(m); });
  if (what == "service") {
    if (args.size() != 2)
      return ReportUsage("show service SERVICE, e.g. \"TCP 192.168.64.100:80\"");
    auto key = ParseServiceKey(args[1]);
    if (!key.ok()) return ReportUsage(std::string(key.status().message()));
    lvs::v1::GetServiceRequest req;
    *req.mutable_key() = *key;
    return ShowOne<lvs::v1::IpvsService>(
        *opts, "ipvsd",
        [&](const ClientOptions& o, lvs::v1::IpvsService* out) {
          auto stub = Stub<lvs::v1::Ipvs>(o, "ipvsd");
          return stub->GetService(CallContext(o).get(), req, out);
        },
        [](const auto& m) { return ServiceBlock(m); });
  }
  if (what == "config") {
    std::string path = args.size() > 1 ? args[1] : lvs::config::kDefaultConfigPath;
    auto parsed = lvs::config::ParseFile(path);
    if (!parsed.ok()) {
      std::fprintf(stderr, "lvsctl: %s\n", std::string(parsed.status().message()).c_str());
      return kExitFailed;
    }
    std::fputs(lvs::config::FormatDiagnostics(parsed->diagnostics).c_str(), stderr);
    if (!parsed->ok()) return kExitFailed;
    PrintJson(parsed->config);
    std::printf("\n");
    return kExitOk;
  }
  return ReportUsage(absl::StrCat("show: unknown '", what, "'"));
}

int RunFailover(std::vector<std::string> args) {
  auto opts = ExtractClientOptions(args);
  if (!opts.ok()) return ReportUsage(std::string(opts.status().message()));
  if (args.size() > 1) return ReportUsage("failover [INSTANCE]");
  if (!Running(*opts, "vrrpd")) return kExitFailed;
  auto stub = Stub<lvs::v1::Vrrp>(*opts, "vrrpd");
  if (!stub) return kExitUsage;
  std::vector<std::string> instances;
  if (!args.empty()) {
    instances.push_back(args[0]);
  } else {
    lvs::v1::VrrpStatus st;
    auto s = stub->GetStatus(CallContext(*opts).get(), {}, &st);
    if (!s.ok()) return ReportRpcError(*opts, "vrrpd", s);
    for (const auto& i : st.instances())
      if (i.state() == lvs::v1::MASTER) instances.push_back(i.name());
    if (instances.empty()) {
      std::printf("no instance is MASTER here: nothing to fail over\n");
      return kExitOk;
    }
  }
  int rc = kExitOk;
  for (const auto& name : instances) {
    lvs::v1::RequestFailoverRequest req;
    req.set_instance(name);
    lvs::v1::RequestFailoverResponse resp;
    auto s = stub->RequestFailover(CallContext(*opts).get(), req, &resp);
    if (!s.ok()) {
      rc = ReportRpcError(*opts, "vrrpd", s);
      continue;
    }
    if (opts->json)
      PrintJsonLine(resp);
    else
      std::printf("%s: %s (priority 0 sent: a backup takes over after its skew)\n", name.c_str(),
                  lvs::v1::VrrpState_Name(resp.state()).c_str());
  }
  return rc;
}

int RunVrrp(std::vector<std::string> args) {
  auto opts = ExtractClientOptions(args);
  if (!opts.ok()) return ReportUsage(std::string(opts.status().message()));
  if (args.size() != 2 || (args[0] != "up" && args[0] != "down"))
    return ReportUsage("vrrp up|down INSTANCE");
  if (!Running(*opts, "vrrpd")) return kExitFailed;
  auto stub = Stub<lvs::v1::Vrrp>(*opts, "vrrpd");
  if (!stub) return kExitUsage;
  lvs::v1::SetAdminStateRequest req;
  req.set_instance(args[1]);
  req.set_up(args[0] == "up");
  lvs::v1::SetAdminStateResponse resp;
  auto s = stub->SetAdminState(CallContext(*opts).get(), req, &resp);
  if (!s.ok()) return ReportRpcError(*opts, "vrrpd", s);
  if (opts->json)
    PrintJsonLine(resp);
  else
    std::printf("%s: %s\n", args[1].c_str(), lvs::v1::VrrpState_Name(resp.state()).c_str());
  return kExitOk;
}

namespace {

using RealRefs = std::vector<std::pair<lvs::v1::ServiceKey, lvs::v1::RealKey>>;

// The (service, real) pairs REAL names: VIP:PORT/RIP:PORT, or RIP[:PORT] for every
// service that has it (ipvsd's table says which). Returns an exit code: kExitOk with
// at least one pair in *reals, else what was wrong has been said.
int ResolveReals(const ClientOptions& opts, lvs::v1::Ipvs::Stub& stub, const std::string& spec,
                 RealRefs* reals) {
  if (auto slash = spec.find('/'); slash != std::string::npos) {
    auto svc = ParseServiceKey(spec.substr(0, slash));
    if (!svc.ok()) return ReportUsage(std::string(svc.status().message()));
    auto real = ParseRealKey(spec.substr(slash + 1));
    if (!real.ok()) return ReportUsage(std::string(real.status().message()));
    reals->emplace_back(*svc, *real);
    return kExitOk;
  }
  lvs::v1::ListServicesResponse table;
  auto s = stub.ListServices(CallContext(opts).get(), {}, &table);
  if (!s.ok()) return ReportRpcError(opts, "ipvsd", s);
  auto with_port = ParseRealKey(spec);
  for (const auto& svc : table.services())
    for (const auto& r : svc.reals())
      if (with_port.ok()
              ? (r.key().address() == with_port->address() && r.key().port() == with_port->port())
              : r.key().address() == spec)
        reals->emplace_back(svc.key(), r.key());
  if (reals->empty()) {
    std::fprintf(stderr, "lvsctl: no service has a real server %s (see lvsctl show services)\n",
                 spec.c_str());
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace

int RunOverride(std::vector<std::string> args) {
  auto opts = ExtractClientOptions(args);
  if (!opts.ok()) return ReportUsage(std::string(opts.status().message()));
  const std::string verb = args.empty() ? "" : args[0];
  lvs::v1::Override override = verb == "drain"     ? lvs::v1::DRAIN
                               : verb == "disable" ? lvs::v1::DISABLE
                               : verb == "enable"  ? lvs::v1::ENABLE
                                                   : lvs::v1::OVERRIDE_UNSPECIFIED;
  uint32_t drain_timeout = 0;
  std::vector<std::string> words;
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--drain-timeout" && i + 1 < args.size()) {
      if (!absl::SimpleAtoi(args[++i], &drain_timeout))
        return ReportUsage("--drain-timeout: seconds");
    } else {
      words.push_back(args[i]);
    }
  }
  if (words.size() != 1)
    return ReportUsage(absl::StrCat(
        verb, " REAL (VIP:PORT/RIP:PORT, or RIP[:PORT] for every service that has it)"));
  if (!Running(*opts, "ipvsd")) return kExitFailed;
  auto stub = Stub<lvs::v1::Ipvs>(*opts, "ipvsd");
  if (!stub) return kExitUsage;
  RealRefs targets;
  if (int rc = ResolveReals(*opts, *stub, words[0], &targets); rc != kExitOk) return rc;
  int rc = kExitOk;
  for (const auto& [svc, real] : targets) {
    lvs::v1::SetOverrideRequest req;
    *req.mutable_service() = svc;
    *req.mutable_real() = real;
    req.set_override(override);
    req.set_drain_timeout_s(drain_timeout);
    lvs::v1::SetOverrideResponse resp;
    auto s = stub->SetOverride(CallContext(*opts).get(), req, &resp);
    if (!s.ok()) {
      rc = ReportRpcError(*opts, "ipvsd", s);
      continue;
    }
    std::printf("%s %s/%s\n", verb.c_str(), FormatServiceKey(svc).c_str(),
                FormatRealKey(real).c_str());
  }
  return rc;
}

int RunReload(std::vector<std::string> args) {
  auto opts = ExtractClientOptions(args);
  if (!opts.ok()) return ReportUsage(std::string(opts.status().message()));
  bool dry_run = false;
  for (const auto& a : args) {
    if (a != "--dry-run") return ReportUsage("reload [--dry-run]");
    dry_run = true;
  }
  int rc = kExitOk;
  for (const std::string d : {"vrrpd", "ipvsd"}) {
    if (!Running(*opts, d)) {
      rc = kExitFailed;
      continue;
    }
    auto channel = DaemonChannel(*opts, d);
    if (!channel.ok()) return ReportUsage(std::string(channel.status().message()));
    lvs::v1::ReloadRequest req;
    req.set_dry_run(dry_run);
    lvs::v1::ReloadResponse resp;
    grpc::Status s =
        d == "vrrpd"
            ? lvs::v1::Vrrp::NewStub(*channel)->Reload(CallContext(*opts).get(), req, &resp)
            : lvs::v1::Ipvs::NewStub(*channel)->Reload(CallContext(*opts).get(), req, &resp);
    if (!s.ok()) {
      rc = ReportRpcError(*opts, d, s);
      continue;
    }
    if (opts->json) {
      PrintJsonLine(resp);
      continue;
    }
    std::fputs(
        lvs::config::FormatDiagnostics({resp.diagnostics().begin(), resp.diagnostics().end()})
            .c_str(),
        stderr);
    std::printf("%s: %s, %d change%s\n", d.c_str(),
                dry_run ? "dry run" : (resp.applied() ? "reloaded" : "NOT applied"),
                resp.changes_size(), resp.changes_size() == 1 ? "" : "s");
    for (const auto& c : resp.changes()) std::printf("  %s\n", c.c_str());
    if (!dry_run && !resp.applied()) rc = kExitFailed;
  }
  return rc;
}

namespace {

// Starts a thread that reads one daemon's Watch* stream until it ends.
template <typename Service, typename Event, typename Emit, typename End, typename Open,
          typename Line>
void WatchStream(std::vector<std::thread>& threads, const ClientOptions& opts,
                 const std::string& daemon, Emit& emit, End& report_end, Open open, Line line) {
  if (!Running(opts, daemon)) return;
  threads.emplace_back([&opts, daemon, &emit, &report_end, open, line] {
    auto stub = Stub<Service>(opts, daemon);
    grpc::ClientContext ctx;
    auto reader = open(*stub, ctx);
    Event e;
    while (reader->Read(&e)) emit(e, line(e));
    report_end(daemon, reader->Finish());
  });
}

}  // namespace

int RunWatch(std::vector<std::string> args) {
  auto opts = ExtractClientOptions(args);
  if (!opts.ok()) return ReportUsage(std::string(opts.status().message()));
  if (!args.empty()) return ReportUsage("watch takes no arguments");
  std::mutex out_mu;
  auto emit = [&](const google::protobuf::Message& m, const std::string& line) {
    std::lock_guard<std::mutex> lock(out_mu);
    if (opts->json) {
      PrintJsonLine(m);
      return;
    }
    std::printf("%s %s\n",
                absl::FormatTime("%H:%M:%E3S", absl::Now(), absl::LocalTimeZone()).c_str(),
                line.c_str());
    std::fflush(stdout);
  };
  auto report_end = [&](const std::string& d, const grpc::Status& s) {
    std::lock_guard<std::mutex> lock(out_mu);
    ReportRpcError(*opts, d,
                   s.ok() ? grpc::Status(grpc::StatusCode::UNAVAILABLE, "stream ended") : s);
  };
  // One thread per running daemon, each draining its stream into the shared output.
  std::vector<std::thread> threads;
  WatchStream<lvs::v1::Vrrp, lvs::v1::VrrpStateEvent>(
      threads, *opts, "vrrpd", emit, report_end,
      [](auto& stub, auto& ctx) { return stub.WatchState(&ctx, {}); }, VrrpEventLine);
  WatchStream<lvs::v1::Ipvs, lvs::v1::TableEvent>(
      threads, *opts, "ipvsd", emit, report_end,
      [](auto& stub, auto& ctx) { return stub.WatchTable(&ctx, {}); }, TableEventLine);
  WatchStream<lvs::v1::CheckerService, lvs::v1::HealthEvent>(
      threads, *opts, "checkd", emit, report_end,
      [](auto& stub, auto& ctx) { return stub.WatchHealth(&ctx, {}); }, HealthEventLine);
  if (threads.empty()) return kExitFailed;
  for (auto& t : threads) t.join();
  return kExitFailed;  // a watch only ends when its daemons go away
}

}  // namespace lvs::cli

namespace lvs::cli {
namespace {
// "drain", "disable", ... each get the verb back as their first word.
std::function<int(const std::vector<std::string>&)> OverrideVerb(const char* verb) {
  return [verb](const std::vector<std::string>& args) {
    std::vector<std::string> with_verb = {verb};
    with_verb.insert(with_verb.end(), args.begin(), args.end());
    return RunOverride(with_verb);
  };
}
}  // namespace

LVS_CLI_COMMAND("status", "every daemon, VRRP instance and service at a glance", RunStatus);
LVS_CLI_COMMAND("show", "show vrrp | services | service SVC | checks | config [FILE]", RunShow);
LVS_CLI_COMMAND("failover", "failover [INSTANCE]: the master steps down (priority-0 advert)",
                RunFailover);
LVS_CLI_COMMAND("vrrp", "vrrp up|down INSTANCE: take an instance out of / back into the election",
                RunVrrp);
LVS_CLI_COMMAND("drain", "drain REAL [--drain-timeout S]: weight 0 until connections end, then out",
                OverrideVerb("drain"));
LVS_CLI_COMMAND("disable", "disable REAL: out of rotation whatever its health",
                OverrideVerb("disable"));
LVS_CLI_COMMAND("enable", "enable REAL: in rotation whatever its health", OverrideVerb("enable"));
LVS_CLI_COMMAND("default", "default REAL: health and config decide again", OverrideVerb("default"));
LVS_CLI_COMMAND("reload",
                "reload [--dry-run]: vrrpd and ipvsd re-read the config (dry run: the diff)",
                RunReload);
LVS_CLI_COMMAND("watch", "live events from all three daemons, one line each", RunWatch);

}  // namespace lvs::cli
