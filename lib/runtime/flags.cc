#include "lib/runtime/flags.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace lvs::runtime {
namespace {

// The flags every daemon takes, each with the option it sets.
struct CommonFlag {
  FlagSpec spec;
  std::string DaemonOptions::*option;
};

std::vector<CommonFlag> CommonFlagTable() {
  using O = DaemonOptions;
  return {
      {{"config", "keepalived.conf to read", false, "/etc/lvs/keepalived.conf"}, &O::config_path},
      {{"run-dir", "directory for the gRPC socket and state", false, "/run/lvs"}, &O::run_dir},
      {{"log-level", "trace, debug, info, warn, error", false, "info"}, &O::log_level},
      {{"listen", "also serve gRPC on host:port with mutual TLS", false, ""}, &O::listen},
      {{"tls-cert", "server certificate (PEM) for --listen", false, ""}, &O::tls_cert},
      {{"tls-key", "server key (PEM) for --listen", false, ""}, &O::tls_key},
      {{"tls-ca", "CA (PEM) that client certificates must chain to", false, ""}, &O::tls_ca},
      {{"metrics-listen", "serve Prometheus metrics on host:port (GET /metrics)", false, ""},
       &O::metrics_listen},
  };
}

}  // namespace

std::string DaemonOptions::Get(absl::string_view name) const {
  auto it = extra.find(std::string(name));
  return it == extra.end() ? "" : it->second;
}

bool DaemonOptions::GetBool(absl::string_view name) const { return Get(name) == "true"; }

std::string Usage(absl::string_view daemon, const std::vector<FlagSpec>& extra) {
  std::string out = absl::StrCat("usage: ", daemon, " [flags]\n");
  std::vector<FlagSpec> all;
  for (const CommonFlag& f : CommonFlagTable()) all.push_back(f.spec);
  all.insert(all.end(), extra.begin(), extra.end());
  for (const auto& f : all) {
    absl::StrAppend(&out, "  --", f.name, f.boolean ? "" : "=VALUE", "\n      ", f.help);
    if (!f.default_value.empty()) absl::StrAppend(&out, " (default ", f.default_value, ")");
    absl::StrAppend(&out, "\n");
  }
  return out;
}

absl::StatusOr<DaemonOptions> ParseFlags(absl::string_view daemon, int argc, char** argv,
                                         const std::vector<FlagSpec>& extra) {
  DaemonOptions opts;
  opts.daemon = std::string(daemon);
  for (const auto& f : extra) opts.extra[f.name] = f.boolean ? "false" : f.default_value;
  auto find_extra = [&](absl::string_view name) -> const FlagSpec* {
    for (const auto& f : extra)
      if (f.name == name) return &f;
    return nullptr;
  };
  const std::vector<CommonFlag> common_flags = CommonFlagTable();
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (!absl::StartsWith(arg, "--"))
      return absl::InvalidArgumentError(absl::StrCat("unexpected argument '", arg, "'"));
    arg.remove_prefix(2);
    std::string name(arg), value;
    bool has_value = false;
    if (auto eq = arg.find('='); eq != absl::string_view::npos) {
      name = std::string(arg.substr(0, eq));
      value = std::string(arg.substr(eq + 1));
      has_value = true;
    }
    const FlagSpec* spec = find_extra(name);
    bool boolean = spec != nullptr && spec->boolean;
    if (name == "help") return absl::CancelledError("help");
    auto common = std::find_if(common_flags.begin(), common_flags.end(),
                               [&](const CommonFlag& f) { return f.spec.name == name; });
    if (common == common_flags.end() && spec == nullptr)
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
    if (!has_value && !boolean) {
      if (i + 1 >= argc)
        return absl::InvalidArgumentError(absl::StrCat("--", name, " needs a value"));
      value = argv[++i];
    }
    if (boolean && !has_value) value = "true";
    if (common == common_flags.end()) {
      opts.extra[name] = value;
      continue;
    }
    opts.*(common->option) = value;
    if (common->option == &DaemonOptions::run_dir) opts.run_dir_given = true;
  }
  if (!opts.listen.empty() &&
      (opts.tls_cert.empty() || opts.tls_key.empty() || opts.tls_ca.empty()))
    return absl::InvalidArgumentError(
        "--listen needs --tls-cert, --tls-key and --tls-ca (mutual TLS)");
  return opts;
}

DaemonOptions ParseFlagsOrDie(absl::string_view daemon, int argc, char** argv,
                              const std::vector<FlagSpec>& extra) {
  auto opts = ParseFlags(daemon, argc, argv, extra);
  if (opts.ok()) return *std::move(opts);
  if (absl::IsCancelled(opts.status())) {
    std::fputs(Usage(daemon, extra).c_str(), stdout);
    std::exit(0);
  }
  std::fprintf(stderr, "%s: %s\n%s", std::string(daemon).c_str(),
               std::string(opts.status().message()).c_str(), Usage(daemon, extra).c_str());
  std::exit(2);
}

}  // namespace lvs::runtime
