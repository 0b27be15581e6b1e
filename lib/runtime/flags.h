// Command-line flags shared by the daemons, plus per-daemon extras.
#pragma once

#include <map>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/statusor.h"

namespace lvs::runtime {

struct FlagSpec {
  std::string name;  // without the leading "--"
  std::string help;
  bool boolean = false;
  std::string default_value;
};

struct DaemonOptions {
  std::string daemon;  // "vrrpd", "ipvsd", "checkd"
  std::string config_path = "/etc/lvs/keepalived.conf";
  std::string run_dir = "/run/lvs";
  bool run_dir_given =
      false;  // --run-dir on the command line (else a config's instance may move it)
  std::string log_level = "info";
  // Optional TCP listener with mutual TLS, for external orchestration.
  std::string listen;
  std::string tls_cert;
  std::string tls_key;
  std::string tls_ca;
  // Optional Prometheus endpoint, HOST:PORT.
  std::string metrics_listen;
  std::map<std::string, std::string> extra;  // the daemon's own flags

  std::string Get(absl::string_view name) const;
  bool GetBool(absl::string_view name) const;
  std::string SocketPath() const { return run_dir + "/" + daemon + ".sock"; }
};

// Accepts --name=value and --name value; booleans take no value.
absl::StatusOr<DaemonOptions> ParseFlags(absl::string_view daemon, int argc, char** argv,
                                         const std::vector<FlagSpec>& extra = {});
std::string Usage(absl::string_view daemon, const std::vector<FlagSpec>& extra = {});

// Prints usage and exits 0 on --help, exits 2 on a bad flag.
DaemonOptions ParseFlagsOrDie(absl::string_view daemon, int argc, char** argv,
                              const std::vector<FlagSpec>& extra = {});

}  // namespace lvs::runtime
