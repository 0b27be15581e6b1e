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
      {"IRUSR", S_IRUSR}, {"IWUSR", S_IWUSR}, {"IXUSR", S_IXUSR}, {"IRGRP", S_IRGRP}, {"IWGRP", S_IWGRP},
      {"IXGRP", S_IXGRP}, {"IROTH", S_IROTH}, {"IWOTH", S_IWOTH}, {"IXOTH", S_IXOTH}};
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
        *error = absl::StrCat("unknown umask bit '", std::string(p), "' (expected IRUSR, IWGRP, IXOTH and the like)");
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
  using G = v1::GlobalDefs;
  using Role = v1::ProcessOptions* (G::*)();
  auto nice = [this](Role role) {
    return [this, role](const Statement& s, G& g) {
      if (auto v = values_.Integer(s, 0, -20, 19)) (g.*role)()->set_nice(static_cast<int32_t>(*v));
    };
  };
  auto rt_priority = [this](Role role) {
    return [this, role](const Statement& s, G& g) {
      int64_t v = 0;
      if (!absl::SimpleAtoi(s.args[0].text, &v)) {
        values_.Integer(s, 0, 1, 99);  // the located warning for a word that is no number
        return;
      }
      // keepalived clamps to SCHED_RR's range, with a warning.
      if (v < 1 || v > 99) {
        const int64_t clamped = v < 1 ? 1 : 99;
        sink_.Warning(s.args[0].location, s.name(),
                      absl::StrCat(v, " is outside SCHED_RR's 1..99; ", clamped, " is used (as keepalived)"));
        v = clamped;
      }
      (g.*role)()->set_rt_priority(static_cast<uint32_t>(v));
    };
  };
  auto rlimit = [this](Role role) {
    return [this, role](const Statement& s, G& g) {
      if (s.name().substr(s.name().size() - 5) == "rtime") {
        sink_.Warning(s.keyword.location, s.name(),
                      absl::StrCat("deprecated name of ", s.name().substr(0, s.name().size() - 5), "rttime; taken as that"));
      }
      auto v = values_.Integer(s, 0, 1, 4'294'967'295LL);
      if (!v) return;
      // keepalived halves the value for the soft limit, which must not be 0.
      (g.*role)()->set_rlimit_rttime_us(static_cast<uint32_t>(*v == 1 ? 2 : *v));
    };
  };
  auto no_swap = [](Role role) { return [role](const Statement&, G& g) { (g.*role)()->set_no_swap(true); }; };
  auto cpus = [this](Role role) {
    return [this, role](const Statement& s, G& g) {
      v1::ProcessOptions* p = (g.*role)();
      p->clear_cpus();
      for (size_t i = 0; i < s.args.size(); ++i) {
        auto v = values_.Integer(s.args[i], s.name(), 0, 1023);
        if (!v) {  // keepalived drops the whole set at the first bad CPU
          p->clear_cpus();
          return;
        }
        p->add_cpus(static_cast<uint32_t>(*v));
      }
    };
  };
  auto name = [this](Role role) {
    return [this, role](const Statement& s, G& g) {
      std::string n = s.args[0].text;
      if (n.size() > kMaxProcessName) {
        sink_.Warning(s.args[0].location, s.name(),
                      absl::StrCat("longer than ", kMaxProcessName, " characters; cut (as keepalived)"));
        n.resize(kMaxProcessName);
      }
      (g.*role)()->set_name(n);
    };
  };
  auto script = [this](v1::StartupScript* (G::*which)()) {
    return [this, which](const Statement& s, G& g) {
      v1::StartupScript* sc = (g.*which)();
      if (!sc->command().empty()) {
        sink_.Warning(s.keyword.location, s.name(), "given twice; the first is kept (as keepalived)");
        return;
      }
      const v1::NotifyScript line = Notify(s);
      sc->set_command(line.command());
      sc->set_user(line.user());
      sc->set_group(line.group());
      *sc->mutable_location() = sink_.ToProto(s.args[0].location);
    };
  };
  auto script_timeout = [this](v1::StartupScript* (G::*which)()) {
    return [this, which](const Statement& s, G& g) {
      if (auto v = values_.Integer(s, 0, 1, 1000)) (g.*which)()->set_timeout_s(static_cast<uint32_t>(*v));
    };
  };
  const Role vrrp = &G::mutable_vrrp_process;
  const Role checker = &G::mutable_checker_process;
  std::vector<Keyword<G>> keywords = {
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
      {"vrrp_process_name", 1, 1, BlockUse::kNone, name(vrrp)},
      {"checker_process_name", 1, 1, BlockUse::kNone, name(checker)},
      {"lvs_process_name", 1, 1, BlockUse::kNone,
       [this, name, checker](const Statement& s, G& g) {
         sink_.Warning(s.keyword.location, s.name(), "deprecated name of checker_process_name; taken as that");
         name(checker)(s, g);
       }},
      // keepalived's names for its children; lvs-ha's vrrpd takes the VRRP one, ipvsd
      // and checkd the checker one (they share keepalived's checker process's work).
      {"process_names", 0, 0, BlockUse::kNone,
       [](const Statement&, G& g) {
         if (g.vrrp_process().name().empty()) g.mutable_vrrp_process()->set_name("keepalived_vrrp");
         if (g.checker_process().name().empty()) g.mutable_checker_process()->set_name("keepalived_lvs");
       }},
      {"process_name", 1, 1, BlockUse::kNone,
       [this](const Statement& s, G&) {
         sink_.Warning(s.keyword.location, s.name(),
                       "names keepalived's parent process, which lvs-ha does not have; ignored (use "
                       "vrrp_process_name and checker_process_name for the daemons)");
       }},
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
      {"startup_script_timeout", 1, 1, BlockUse::kNone, script_timeout(&G::mutable_startup_script)},
      {"shutdown_script_timeout", 1, 1, BlockUse::kNone, script_timeout(&G::mutable_shutdown_script)},
  };
  // keepalived's BFD process: lvs-ha has none (bfd_instance is not supported).
  for (std::string_view bfd : {"bfd_priority", "bfd_rt_priority", "bfd_rlimit_rttime", "bfd_rlimit_rtime",
                               "bfd_no_swap", "bfd_cpu_affinity", "bfd_process_name"}) {
    keywords.push_back({bfd, 0, kAny, BlockUse::kNone, [this](const Statement& s, G&) {
                          sink_.Warning(s.keyword.location, s.name(),
                                        "lvs-ha has no BFD process (bfd_instance is not supported); ignored");
                        }});
  }
  for (auto& k : keywords) global_defs_.push_back(std::move(k));

}

void ConfigBuilder::AddNamespaceKeywords() {
  auto once = [this](const Statement& s, std::string* value) {
    if (!value->empty()) {
      sink_.Warning(s.args[0].location, s.name(), absl::StrCat("given twice; '", *value, "' is kept (as keepalived)"));
      return;
    }
    *value = s.args[0].text;
  };
  top_.push_back({"net_namespace", 1, 1, BlockUse::kNone,
                  [once](const Statement& s, v1::Config& c) { once(s, c.mutable_net_namespace()); }});
  top_.push_back({"instance", 1, 1, BlockUse::kNone,
                  [once](const Statement& s, v1::Config& c) { once(s, c.mutable_instance()); }});
  // keepalived's own process layout, with lvs-ha's equivalents.
  top_.push_back({"use_pid_dir", 0, 0, BlockUse::kNone, [this](const Statement& s, v1::Config&) {
                    sink_.Warning(s.keyword.location, s.name(),
                                  "lvs-ha keeps each daemon's socket and lock in its run dir (--run-dir; "
                                  "/run/lvs/NAME with net_namespace or instance); ignored");
                  }});
  top_.push_back({"net_namespace_ipvs", 0, 1, BlockUse::kNone, [this](const Statement& s, v1::Config&) {
                    sink_.Warning(s.keyword.location, s.name(),
                                  "ipvsd programs the IPVS table of the namespace it runs in; for another "
                                  "namespace's table, run ipvsd with a file whose net_namespace names it; ignored");
                  }});
}

}  // namespace lvs::config
