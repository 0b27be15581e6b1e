#include "services/cli/client_options.h"

#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/rpc/channel.h"
#include "lib/runtime/process_setup.h"
#include "lib/runtime/run_dir.h"
#include "lib/rpc/tls_files.h"

namespace lvs::cli {

size_t ClientOptionWords(const std::string& arg) {
  static const char* const kWithValue[] = {"--run-dir", "--instance", "--connect", "--tls-cert",
                                           "--tls-key", "--tls-ca",   "--timeout"};
  if (arg == "--json") return 1;
  for (const char* option : kWithValue)
    if (arg == option) return 2;
  return 0;
}

absl::StatusOr<ClientOptions> ExtractClientOptions(std::vector<std::string>& args) {
  ClientOptions opts;
  std::vector<std::string> rest;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string* out) -> absl::Status {
      if (i + 1 >= args.size())
        return absl::InvalidArgumentError(absl::StrCat(a, " needs a value"));
      *out = args[++i];
      return absl::OkStatus();
    };
    absl::Status s;
    if (a == "--json")
      opts.json = true;
    else if (a == "--run-dir")
      s = value(&opts.run_dir);
    else if (a == "--instance") {
      // A config's net_namespace/instance put the daemons' sockets in /run/lvs/<id>.
      std::string id;
      s = value(&id);
      if (s.ok() && (id.empty() || id.find('/') != std::string::npos || id == "." || id == ".."))
        s = absl::InvalidArgumentError(absl::StrCat("--instance '", id, "': expected a name"));
      if (s.ok()) opts.run_dir = lvs::runtime::RunDirFor(id);
    } else if (a == "--connect")
      s = value(&opts.connect);
    else if (a == "--tls-cert")
      s = value(&opts.tls_cert);
    else if (a == "--tls-key")
      s = value(&opts.tls_key);
    else if (a == "--tls-ca")
      s = value(&opts.tls_ca);
    else if (a == "--timeout") {
      std::string t;
      s = value(&t);
      if (s.ok() && (!absl::SimpleAtoi(t, &opts.timeout_s) || opts.timeout_s <= 0))
        s = absl::InvalidArgumentError(absl::StrCat("--timeout '", t, "': expected seconds > 0"));
    } else
      rest.push_back(a);
    if (!s.ok()) return s;
  }
  if (!opts.connect.empty() &&
      (opts.tls_cert.empty() || opts.tls_key.empty() || opts.tls_ca.empty()))
    return absl::InvalidArgumentError("--connect needs --tls-cert, --tls-key and --tls-ca");
  args = std::move(rest);
  return opts;
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> DaemonChannel(const ClientOptions& opts,
                                                             const std::string& daemon) {
  if (opts.connect.empty()) {
    // Only a socket a daemon could have made, in a directory no one else writes to
    // (a missing one is reported as "not running" by the caller).
    struct stat st;
    if (stat(opts.run_dir.c_str(), &st) == 0) {
      if (absl::Status s = lvs::runtime::CheckRunDir(opts.run_dir); !s.ok()) return s;
      const std::string sock = lvs::rpc::SocketPath(opts.run_dir, daemon);
      if (absl::Status s = lvs::runtime::CheckDaemonSocket(sock); !s.ok() && !absl::IsNotFound(s)) {
        return s;
      }
    }
    return lvs::rpc::UnixChannel(opts.run_dir, daemon);
  }
  grpc::SslCredentialsOptions tls;
  auto files = lvs::rpc::LoadTlsFiles(opts.tls_cert, opts.tls_key, opts.tls_ca);
  if (!files.ok()) return files.status();
  tls.pem_cert_chain = files->cert;
  tls.pem_private_key = files->key;
  tls.pem_root_certs = files->ca;
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(lvs::rpc::kMaxMessageBytes);
  return grpc::CreateCustomChannel(opts.connect, grpc::SslCredentials(tls), args);
}

std::unique_ptr<grpc::ClientContext> CallContext(const ClientOptions& opts) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(opts.timeout_s));
  return ctx;
}

}  // namespace lvs::cli
