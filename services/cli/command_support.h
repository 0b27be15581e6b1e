// Small pieces every daemon-facing lvsctl command shares: printing a message as
// JSON, and turning a failed call into one line a person can act on.
#pragma once

#include <cstdio>
#include <string>

#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "services/cli/client_options.h"

namespace lvs::cli {

// Exit codes: 0 ok, 1 the daemon said no / is unreachable, 2 usage.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

inline void PrintJson(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions o;
  o.add_whitespace = true;
  o.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(m, &out, o);
  std::fputs(out.c_str(), stdout);
}

inline void PrintJsonLine(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions o;
  o.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(m, &out, o);
  std::printf("%s\n", out.c_str());
  std::fflush(stdout);
}

inline int ReportRpcError(const ClientOptions& opts, const std::string& daemon,
                          const grpc::Status& s) {
  const char* code_names[] = {"OK",
                              "CANCELLED",
                              "UNKNOWN",
                              "INVALID_ARGUMENT",
                              "DEADLINE_EXCEEDED",
                              "NOT_FOUND",
                              "ALREADY_EXISTS",
                              "PERMISSION_DENIED",
                              "RESOURCE_EXHAUSTED",
                              "FAILED_PRECONDITION",
                              "ABORTED",
                              "OUT_OF_RANGE",
                              "UNIMPLEMENTED",
                              "INTERNAL",
                              "UNAVAILABLE",
                              "DATA_LOSS",
                              "UNAUTHENTICATED"};
  int code = static_cast<int>(s.error_code());
  std::fprintf(stderr, "lvsctl: %s: %s: %s\n", daemon.c_str(),
               code >= 0 && code <= 16 ? code_names[code] : "?", s.error_message().c_str());
  if (s.error_code() == grpc::StatusCode::UNAVAILABLE && opts.connect.empty())
    std::fprintf(stderr, "lvsctl: is %s running? (socket %s/%s.sock)\n", daemon.c_str(),
                 opts.run_dir.c_str(), daemon.c_str());
  return kExitFailed;
}

inline int ReportUsage(const std::string& message) {
  std::fprintf(stderr, "lvsctl: %s (lvsctl help)\n", message.c_str());
  return kExitUsage;
}

}  // namespace lvs::cli
