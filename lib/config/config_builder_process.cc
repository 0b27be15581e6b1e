// ConfigBuilder, process part: what global_defs and the top level say about the
// daemons' own processes — keepalived's vrrp_*/checker_* scheduling options, process
// names, umask, startup/shutdown scripts, net_namespace and instance. Values and
// their limits are keepalived 2.2.7's (global_parser.c).
#include <sys/stat.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/config/config_builder.h"

namespace lvs::config {
namespace {

constexpr int kAny = -1;
using G = v1::GlobalDefs;
// TASK_COMM_LEN less the terminating NUL: longer names are cut, as keepalived does.
constexpr size_t kMaxProcessName = 15;

// keepalived's umask forms: a number (strtol base 0: "022" is octal, "18" decimal) or
// bit names joined by '|' ("IWGRP|IWOTH", spaces allowed around the bars).
std::optional<uint32_t> ParseUmask(const std::vector<Token>& args, std::string* error) {
  const std::string& first = args[0].text;
  if (absl::ascii_isdigit(static_cast<unsigned char>(first[0]))) {
    if (args.size() != 1) {
      *error = "a numeric umask takes one value";
      return std::nullopt;
    }
    char* end = nullptr;
    const long v = std::strtol(first.c_str(), &end, 0);
    if (*end != '\0' || v < 0 || (v & ~0777L) != 0) {
      *error = absl::StrCat("'", first, "' is not a umask (0 to 0777)");
      return std::nullopt;
    }
    return static_cast<uint32_t>(v);
  }
  static const std::pair<std::string_view, uint32_t> kBits[] = {
      {"IRUSR", S_IRUSR}, {"IWUSR", S_IWUSR}, {"IXUSR", S_IXUSR},
      {"IRGRP", S_IRGRP}, {"IWGRP", S_IWGRP}, {"IXGRP", S_IXGRP},
      {"IROTH", S_IROTH}, {"IWOTH", S_IWOTH}, {"IXOTH", S_IXOTH}};
  uint32_t bits = 0;
  bool need_bar = false;
  for (const Token& t : args) {
    std::string_view p = t.text;
    while (!p.empty()) {
      if (need_bar) {
        if (p[0] != '|') {
          *error = absl::StrCat("'", t.text, "': bit names are joined by '|'");
          return std::nullopt;
        }
        need_bar = false;
        p.remove_prefix(1);
        continue;
      }
      bool known = false;
      for (const auto& [name, bit] : kBits) {
        if (p.substr(0, name.size()) == name) {
          bits |= bit;
          p.remove_prefix(name.size());
          known = need_bar = true;
          break;
        }
      }
      if (!known) {
        *error = absl::StrCat("unknown umask bit '", std::string(p),
                              "' (expected IRUSR, IWGRP, IXOTH and the like)");
        return std::nullopt;
      }
    }
  }
  if (!need_bar) {
    *error = "a bit name is missing after the last '|'";
    return std::nullopt;
  }
  return bits;
}

}  // namespace

void ConfigBuilder::AddProcessKeywords() {
  Append(global_defs_, SchedulingKeywords());
  Append(global_defs_, ProcessNameKeywords());
  Append(global_defs_, StartupKeywords());
  // keepalived's BFD process: lvs-ha has none (bfd_instance is not supported).
  for (std::string_view bfd :
       {"bfd_priority", "bfd_rt_priority", "bfd_rlimit_rttime", "bfd_rlimit_rtime", "bfd_no_swap",
        "bfd_cpu_affinity", "bfd_process_name"}) {
    global_defs_.push_back({bfd, 0, kAny, BlockUse::kNone, [this](const Statement& s, G&) {
                              sink_.Warning(s.keyword.location, s.name(),
                                            "lvs-ha has no BFD process (bfd_instance is not "
                                            "supported); ignored");
                            }});
  }
}

// How the kernel schedules the daemons: vrrpd takes keepalived's vrrp_ options,
// ipvsd and checkd the checker_ ones.
ConfigBuilder::Table<v1::GlobalDefs> ConfigBuilder::SchedulingKeywords() {
  using P = v1::ProcessOptions;
  const Role vrrp = &G::mutable_vrrp_process;
  const Role checker = &G::mutable_checker_process;
  auto nice = [this](Role role) { return Int(In(role, &P::set_nice), -20, 19); };
  auto no_swap = [](Role role) { return Flag(In(role, &P::set_no_swap)); };
  auto rt_priority = [this](Role role) { return Of(role, &ConfigBuilder::ReadRtPriority); };
  auto rlimit = [this](Role role) { return Of(role, &ConfigBuilder::ReadRlimitRttime); };
  auto cpus = [this](Role role) { return Of(role, &ConfigBuilder::ReadCpuAffinity); };
  return {
      {"vrrp_priority", 1, 1, BlockUse::kNone, nice(vrrp)},
      {"checker_priority", 1, 1, BlockUse::kNone, nice(checker)},
      {"vrrp_rt_priority", 1, 1, BlockUse::kNone, rt_priority(vrrp)},
      {"checker_rt_priority", 1, 1, BlockUse::kNone, rt_priority(checker)},
      {"vrrp_rlimit_rttime", 1, 1, BlockUse::kNone, rlimit(vrrp)},
      {"checker_rlimit_rttime", 1, 1, BlockUse::kNone, rlimit(checker)},
      {"vrrp_rlimit_rtime", 1, 1, BlockUse::kNone, rlimit(vrrp)},
      {"checker_rlimit_rtime", 1, 1, BlockUse::kNone, rlimit(checker)},
      {"vrrp_no_swap", 0, 0, BlockUse::kNone, no_swap(vrrp)},
      {"checker_no_swap", 0, 0, BlockUse::kNone, no_swap(checker)},
      {"vrrp_cpu_affinity", 1, kAny, BlockUse::kNone, cpus(vrrp)},
      {"checker_cpu_affinity", 1, kAny, BlockUse::kNone, cpus(checker)},
  };
}

// The handler that gives `read` the process options `role` names.
std::function<void(const Statement&, v1::GlobalDefs&)> ConfigBuilder::Of(
    Role role, void (ConfigBuilder::*read)(const Statement&, v1::ProcessOptions&)) {
  return [this, role, read](const Statement& s, G& g) { (this->*read)(s, *(g.*role)()); };
}

void ConfigBuilder::ReadRtPriority(const Statement& s, v1::ProcessOptions& p) {
  int64_t v = 0;
  if (!absl::SimpleAtoi(s.args[0].text, &v)) {
    values_.Integer(s, 0, 1, 99);  // the located warning for a word that is no number
    return;
  }
  // keepalived clamps to SCHED_RR's range, with a warning.
  if (v < 1 || v > 99) {
    const int64_t clamped = v < 1 ? 1 : 99;
    sink_.Warning(
        s.args[0].location, s.name(),
        absl::StrCat(v, " is outside SCHED_RR's 1..99; ", clamped, " is used (as keepalived)"));
    v = clamped;
  }
  p.set_rt_priority(static_cast<uint32_t>(v));
}

void ConfigBuilder::ReadRlimitRttime(const Statement& s, v1::ProcessOptions& p) {
  if (s.name().substr(s.name().size() - 5) == "rtime") {
    sink_.Warning(s.keyword.location, s.name(),
                  absl::StrCat("deprecated name of ", s.name().substr(0, s.name().size() - 5),
                               "rttime; taken as that"));
  }
  auto v = values_.Integer(s, 0, 1, 4'294'967'295LL);
  if (!v) return;
  // keepalived halves the value for the soft limit, which must not be 0.
  p.set_rlimit_rttime_us(static_cast<uint32_t>(*v == 1 ? 2 : *v));
}

void ConfigBuilder::ReadCpuAffinity(const Statement& s, v1::ProcessOptions& p) {
  p.clear_cpus();
  for (size_t i = 0; i < s.args.size(); ++i) {
    auto v = values_.Integer(s.args[i], s.name(), 0, 1023);
    if (!v) {  // keepalived drops the whole set at the first bad CPU
      p.clear_cpus();
      return;
    }
    p.add_cpus(static_cast<uint32_t>(*v));
  }
}

void ConfigBuilder::ReadProcessName(const Statement& s, v1::ProcessOptions& p) {
  std::string n = s.args[0].text;
  if (n.size() > kMaxProcessName) {
    sink_.Warning(
        s.args[0].location, s.name(),
        absl::StrCat("longer than ", kMaxProcessName, " characters; cut (as keepalived)"));
    n.resize(kMaxProcessName);
  }
  p.set_name(n);
}

ConfigBuilder::Table<v1::GlobalDefs> ConfigBuilder::ProcessNameKeywords() {
  const Role vrrp = &G::mutable_vrrp_process;
  const Role checker = &G::mutable_checker_process;
  return {
      {"vrrp_process_name", 1, 1, BlockUse::kNone, Of(vrrp, &ConfigBuilder::ReadProcessName)},
      {"checker_process_name", 1, 1, BlockUse::kNone, Of(checker, &ConfigBuilder::ReadProcessName)},
      {"lvs_process_name", 1, 1, BlockUse::kNone,
       [this](const Statement& s, G& g) {
         sink_.Warning(s.keyword.location, s.name(),
                       "deprecated name of checker_process_name; taken as that");
         ReadProcessName(s, *g.mutable_checker_process());
       }},
      // keepalived's names for its children; lvs-ha's vrrpd takes the VRRP one, ipvsd
      // and checkd the checker one (they share keepalived's checker process's work).
      {"process_names", 0, 0, BlockUse::kNone,
       [](const Statement&, G& g) {
         if (g.vrrp_process().name().empty()) {
           g.mutable_vrrp_process()->set_name("keepalived_vrrp");
         }
         if (g.checker_process().name().empty()) {
           g.mutable_checker_process()->set_name("keepalived_lvs");
         }
       }},
      {"process_name", 1, 1, BlockUse::kNone,
       [this](const Statement& s, G&) {
         sink_.Warning(s.keyword.location, s.name(),
                       "names keepalived's parent process, which lvs-ha does not have; ignored "
                       "(use vrrp_process_name and checker_process_name for the daemons)");
       }},
  };
}

// The daemons' umask, and the scripts run as they start and stop.
ConfigBuilder::Table<v1::GlobalDefs> ConfigBuilder::StartupKeywords() {
  using Which = v1::StartupScript* (G::*)();
  auto script = [this](Which which) {
    return [this, which, read = FirstCommand(which, &v1::StartupScript::mutable_command)](
               const Statement& s, G& g) {
      if (read(s, g)) *(g.*which)()->mutable_location() = sink_.ToProto(s.args[0].location);
    };
  };
  auto timeout = [this](Which which) {
    return Int(In(which, &v1::StartupScript::set_timeout_s), 1, 1000);
  };
  return {
      {"umask", 1, kAny, BlockUse::kNone,
       [this](const Statement& s, G& g) {
         std::string error;
         if (auto v = ParseUmask(s.args, &error)) {
           g.set_umask(*v);
         } else {
           sink_.Warning(s.args[0].location, s.name(), error + "; ignored (as keepalived)");
         }
       }},
      {"startup_script", 1, 3, BlockUse::kNone, script(&G::mutable_startup_script)},
      {"shutdown_script", 1, 3, BlockUse::kNone, script(&G::mutable_shutdown_script)},
      {"startup_script_timeout", 1, 1, BlockUse::kNone, timeout(&G::mutable_startup_script)},
      {"shutdown_script_timeout", 1, 1, BlockUse::kNone, timeout(&G::mutable_shutdown_script)},
  };
}

void ConfigBuilder::AddNamespaceKeywords() {
  auto once = [this](const Statement& s, std::string* value) {
    if (!value->empty()) {
      sink_.Warning(s.args[0].location, s.name(),
                    absl::StrCat("given twice; '", *value, "' is kept (as keepalived)"));
      return;
    }
    *value = s.args[0].text;
  };
  top_.push_back(
      {"net_namespace", 1, 1, BlockUse::kNone,
       [once](const Statement& s, v1::Config& c) { once(s, c.mutable_net_namespace()); }});
  top_.push_back({"instance", 1, 1, BlockUse::kNone,
                  [once](const Statement& s, v1::Config& c) { once(s, c.mutable_instance()); }});
  // keepalived's own process layout, with lvs-ha's equivalents.
  top_.push_back({"use_pid_dir", 0, 0, BlockUse::kNone, [this](const Statement& s, v1::Config&) {
                    sink_.Warning(
                        s.keyword.location, s.name(),
                        "lvs-ha keeps each daemon's socket and lock in its run dir (--run-dir; "
                        "/run/lvs/NAME with net_namespace or instance); ignored");
                  }});
  top_.push_back(
      {"net_namespace_ipvs", 0, 1, BlockUse::kNone, [this](const Statement& s, v1::Config&) {
         sink_.Warning(
             s.keyword.location, s.name(),
             "ipvsd programs the IPVS table of the namespace it runs in; for another "
             "namespace's table, run ipvsd with a file whose net_namespace names it; ignored");
       }});
}

}  // namespace lvs::config
