// Options every lvsctl command that talks to a daemon accepts, wherever they appear:
//   --run-dir DIR      where the daemons' sockets are (default /run/lvs)
//   --json             machine-readable output (protobuf JSON)
//   --connect H:P      a daemon's TCP listener instead of its socket (mutual TLS,
//   --tls-cert F --tls-key F --tls-ca F)
//   --timeout S        per-call deadline (default 5)
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"

namespace lvs::cli {

struct ClientOptions {
  std::string run_dir = "/run/lvs";
  bool json = false;
  std::string connect;
  std::string tls_cert, tls_key, tls_ca;
  int timeout_s = 5;
};

// How many words the common option `arg` takes with its value (2, or 1 for --json);
// 0 when it is not one. lvsctl's main moves those written before the command after it.
size_t ClientOptionWords(const std::string& arg);
// Takes the options out of args and leaves the rest (the command's own words).
absl::StatusOr<ClientOptions> ExtractClientOptions(std::vector<std::string>& args);
absl::StatusOr<std::shared_ptr<grpc::Channel>> DaemonChannel(const ClientOptions& opts,
                                                             const std::string& daemon);
// A client context with the per-call deadline set.
std::unique_ptr<grpc::ClientContext> CallContext(const ClientOptions& opts);

}  // namespace lvs::cli
