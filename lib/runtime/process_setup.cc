#include "lib/runtime/process_setup.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/config/config_parser.h"
#include "lib/proc/command_line.h"
#include "lib/proc/spawn.h"

namespace lvs::runtime {
namespace {

// keepalived's RT_RLIMIT_DEFAULT: a real-time process that spins is stopped after
// 10 ms of CPU without a blocking call (SIGXCPU at half of it).
constexpr uint32_t kDefaultRlimitRttimeUs = 10000;

std::string Errno() { return std::strerror(errno); }

}  // namespace

ProcessPlan PlanProcess(const v1::Config& config, const std::string& daemon) {
  const v1::GlobalDefs& g = config.global_defs();
  ProcessPlan plan;
  plan.net_namespace = config.net_namespace();
  std::vector<std::string> id;
  if (!config.net_namespace().empty()) id.push_back(config.net_namespace());
  if (!config.instance().empty()) id.push_back(config.instance());
  plan.instance_id = absl::StrJoin(id, "_");
  if (g.has_umask()) plan.umask = g.umask();
  plan.options = daemon == "vrrpd" ? g.vrrp_process() : g.checker_process();
  const bool owns_scripts = daemon == (config.vrrp_instances().empty() ? "ipvsd" : "vrrpd");
  if (owns_scripts) {
    plan.startup_script = g.startup_script();
    plan.shutdown_script = g.shutdown_script();
  }
  plan.script_user = g.script_user();
  plan.script_group = g.script_group();
  plan.script_security = g.enable_script_security();
  return plan;
}

std::string RunDirFor(const std::string& instance_id) {
  return instance_id.empty() ? "/run/lvs" : "/run/lvs/" + instance_id;
}

absl::Status EnterNetNamespace(const std::string& name) {
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
    return absl::InvalidArgumentError(
        absl::StrCat("net_namespace '", name, "' is not a namespace name"));
  }
  const std::string path = "/run/netns/" + name;
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::NotFoundError(absl::StrCat("net_namespace ", name, ": cannot open ", path, ": ",
                                            Errno(), " (create it with `ip netns add ", name,
                                            "`)"));
  }
  const int rc = setns(fd, CLONE_NEWNET);
  const std::string err = Errno();
  close(fd);
  if (rc != 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("net_namespace ", name, ": setns: ", err,
                     " (entering a namespace needs CAP_SYS_ADMIN; under the "
                     "packaged units, add it with `systemctl edit`)"));
  }
  // /sys/class/net shows the namespace of whoever mounted sysfs: mount our own, in a
  // mount namespace of our own, so interface lookups see the namespace we are in.
  if (unshare(CLONE_NEWNS) != 0 || mount("", "/", nullptr, MS_SLAVE | MS_REC, nullptr) != 0) {
    return absl::InternalError(
        absl::StrCat("net_namespace ", name, ": a mount namespace for /sys: ", Errno()));
  }
  umount2("/sys", MNT_DETACH);
  if (mount(name.c_str(), "/sys", "sysfs", 0, nullptr) != 0) {
    return absl::InternalError(absl::StrCat("net_namespace ", name, ": mount sysfs: ", Errno()));
  }
  return absl::OkStatus();
}

absl::StatusOr<ProcessPlan> PrepareProcess(DaemonOptions& options, spdlog::logger& log) {
  ProcessPlan plan;
  auto parsed = config::ParseFile(options.config_path);
  if (parsed.ok() && parsed->ok()) plan = PlanProcess(parsed->config, options.daemon);
  if (parsed.ok()) plan.parsed = std::make_shared<const config::ParseResult>(*std::move(parsed));
  if (!plan.instance_id.empty() && !options.run_dir_given) {
    options.run_dir = RunDirFor(plan.instance_id);
    log.info("instance {}: run dir {}", plan.instance_id, options.run_dir);
  }
  if (!plan.net_namespace.empty()) {
    if (absl::Status s = EnterNetNamespace(plan.net_namespace); !s.ok()) return s;
    log.info("running in network namespace {}", plan.net_namespace);
  }
  return plan;
}

void ApplyProcessOptions(const ProcessPlan& plan, spdlog::logger& log) {
  if (plan.umask) {
    umask(static_cast<mode_t>(*plan.umask));
    proc::SetChildUmask(static_cast<mode_t>(*plan.umask));
  }
  const v1::ProcessOptions& o = plan.options;
  if (!o.name().empty() && prctl(PR_SET_NAME, o.name().c_str(), 0, 0, 0) != 0) {
    log.warn("process name {}: {}", o.name(), Errno());
  }
  // keepalived sets the nice value only without a real-time priority.
  if (o.rt_priority() == 0 && o.has_nice() && setpriority(PRIO_PROCESS, 0, o.nice()) != 0) {
    log.warn("priority (nice) {}: {}", o.nice(), Errno());
  }
  if (o.no_swap() && mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) != 0) {
    log.warn("no_swap: mlockall: {}", Errno());
  }
  if (o.cpus_size() > 0) {
    const long online = sysconf(_SC_NPROCESSORS_ONLN);
    cpu_set_t set;
    CPU_ZERO(&set);
    bool valid = true;
    for (uint32_t cpu : o.cpus()) {
      if (static_cast<long>(cpu) >= online || cpu >= CPU_SETSIZE)
        valid = false;
      else
        CPU_SET(cpu, &set);
    }
    // keepalived drops the whole set when one CPU is not there.
    if (!valid) {
      log.warn("cpu_affinity {}: this machine has CPUs 0-{}; affinity left as it is",
               absl::StrJoin(o.cpus(), " "), online - 1);
    } else if (sched_setaffinity(0, sizeof(set), &set) != 0) {
      log.warn("cpu_affinity {}: {}", absl::StrJoin(o.cpus(), " "), Errno());
    }
  }
}

void EnterRealtime(const ProcessPlan& plan, spdlog::logger& log) {
  const v1::ProcessOptions& o = plan.options;
  if (o.rt_priority() == 0) return;
  // SCHED_RESET_ON_FORK: scripts and threads started later run normally.
  sched_param p{};
  p.sched_priority = static_cast<int>(o.rt_priority());
  if (sched_setscheduler(0, SCHED_RR | SCHED_RESET_ON_FORK, &p) != 0) {
    log.warn("SCHED_RR priority {}: {}", o.rt_priority(), Errno());
    return;
  }
  const rlim_t limit = o.rlimit_rttime_us() ? o.rlimit_rttime_us() : kDefaultRlimitRttimeUs;
  // The soft limit at half sends SIGXCPU (ignored: keepalived only logs it) before
  // the hard one kills a loop that never blocks.
  signal(SIGXCPU, SIG_IGN);
  rlimit r{limit / 2, limit};
  if (setrlimit(RLIMIT_RTTIME, &r) != 0) log.warn("RLIMIT_RTTIME {} us: {}", limit, Errno());
  log.info("running at SCHED_RR priority {} (RLIMIT_RTTIME {} us)", o.rt_priority(), limit);
}

namespace {

void RunScript(const v1::StartupScript& script, const char* what, const ProcessPlan& plan,
               spdlog::logger& log) {
  if (script.command().empty()) return;
  const std::vector<std::string> argv = proc::SplitCommandLine(script.command());
  if (argv.empty()) return;
  auto user = proc::ScriptRunsAs(script.user(), script.group(),
                                 proc::DefaultScriptUser(plan.script_user, plan.script_group));
  absl::Status usable = user.status();
  if (usable.ok() && plan.script_security) usable = proc::CheckScriptSecure(argv.front(), *user);
  if (!usable.ok()) {
    log.error("{} {} not run: {}", what, argv.front(), std::string(usable.message()));
    return;
  }
  const absl::Duration timeout = absl::Seconds(script.timeout_s() ? script.timeout_s() : 10);
  log.info("running {} {}", what, script.command());
  auto rc = proc::RunToCompletion(argv, *user, timeout);
  if (!rc.ok()) {
    log.error("{}: {}", what, std::string(rc.status().message()));
  } else if (*rc != 0) {
    log.warn("{} {} failed, status {}", what, argv.front(), *rc);
  }
}

}  // namespace

void RunStartupScript(const ProcessPlan& plan, spdlog::logger& log) {
  RunScript(plan.startup_script, "startup_script", plan, log);
}

void RunShutdownScript(const ProcessPlan& plan, spdlog::logger& log) {
  RunScript(plan.shutdown_script, "shutdown_script", plan, log);
}

}  // namespace lvs::runtime
