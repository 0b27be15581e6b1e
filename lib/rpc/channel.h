// Client side of the local API: a channel to <run-dir>/<daemon>.sock.
#pragma once

#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

namespace lvs::rpc {

// Big enough for the full target set or table of a director with tens of
// thousands of real servers; servers and clients agree on it.
inline constexpr int kMaxMessageBytes = 256 << 20;

inline std::string SocketPath(const std::string& run_dir, const std::string& daemon) {
  return run_dir + "/" + daemon + ".sock";
}

inline std::shared_ptr<grpc::Channel> UnixChannel(const std::string& run_dir,
                                                  const std::string& daemon) {
  grpc::ChannelArguments args;
  // Local peers come and go (restarts); reconnect quickly rather than backing off for minutes.
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  args.SetMaxSendMessageSize(kMaxMessageBytes);
  return grpc::CreateCustomChannel("unix:" + SocketPath(run_dir, daemon),
                                   grpc::InsecureChannelCredentials(), args);
}

}  // namespace lvs::rpc
