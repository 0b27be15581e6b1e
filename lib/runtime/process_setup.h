// What keepalived.conf says about a daemon's own process, applied at its start
// before it opens a socket or starts a thread: net_namespace, umask, the process's
// name and keepalived's vrrp_*/checker_* scheduling options (vrrpd takes the vrrp_
// ones; ipvsd and checkd, which share the work of keepalived's checker process, the
// checker_ ones). startup_script/shutdown_script belong to one daemon: vrrpd when the
// file has a vrrp_instance, else ipvsd.
//
//   auto plan = runtime::PrepareProcess(options, *log);   // first thing in main
//   if (!plan.ok()) return 1;                              // e.g. no such namespace
//   runtime::ApplyProcessOptions(*plan, *log);
//   runtime::RunStartupScript(*plan, *log);                // no-op unless this daemon owns it
//   ... start, load the config ...
//   runtime::EnterRealtime(*plan, *log);                   // the loop thread, once started
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/config/config_parser.h"
#include "lib/proc/credentials.h"
#include "lib/runtime/flags.h"
#include "lvs/v1/config.pb.h"
#include "spdlog/spdlog.h"

namespace lvs::runtime {

struct ProcessPlan {
  std::string net_namespace;
  // "<net_namespace>_<instance>", either alone, or empty: names the run dir
  // (/run/lvs/<id>) so that two lvs-ha on one host do not meet.
  std::string instance_id;
  std::optional<uint32_t> umask;
  v1::ProcessOptions options;
  // Set only for the daemon that runs them.
  v1::StartupScript startup_script;
  v1::StartupScript shutdown_script;
  std::string script_user, script_group;
  bool script_security = false;
  // The file as PrepareProcess read it (unset: it could not be read), so that the
  // daemon's first load need not parse it again (10k services take seconds in a VM).
  std::shared_ptr<const config::ParseResult> parsed;
};

// Pure: `daemon` is "vrrpd", "ipvsd" or "checkd".
ProcessPlan PlanProcess(const v1::Config& config, const std::string& daemon);

// Where the daemons' sockets are for an instance id (see ProcessPlan).
std::string RunDirFor(const std::string& instance_id);

// Reads options.config_path (a file that cannot be read or has errors gives the
// empty plan: the daemon reports the file itself when it loads it), moves
// options.run_dir to RunDirFor(id) when the file names an instance or namespace
// and --run-dir was not given, and enters the namespace. An error (no such
// namespace) means the daemon cannot start, as in keepalived.
absl::StatusOr<ProcessPlan> PrepareProcess(DaemonOptions& options, spdlog::logger& log);

// Enters /run/netns/NAME, with that namespace's view of /sys (as `ip netns exec`).
absl::Status EnterNetNamespace(const std::string& name);

// umask, name, nice, mlockall, CPU affinity: before any thread starts, so that all
// inherit them. What the kernel refuses is logged as a warning and the daemon
// carries on, as keepalived's children do.
void ApplyProcessOptions(const ProcessPlan& plan, spdlog::logger& log);

// SCHED_RR with RLIMIT_RTTIME (keepalived's default 10 ms) for the calling thread:
// the loop thread, once the daemon has started and loaded its config, so that the
// first load of a large file does not run into the real-time CPU limit.
void EnterRealtime(const ProcessPlan& plan, spdlog::logger& log);

// Runs the plan's startup_script / shutdown_script to completion or its timeout
// (keepalived's default 10 s); a failure is logged, never fatal.
void RunStartupScript(const ProcessPlan& plan, spdlog::logger& log);
void RunShutdownScript(const ProcessPlan& plan, spdlog::logger& log);

}  // namespace lvs::runtime
