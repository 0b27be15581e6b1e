// absl::Status inside, canonical gRPC codes at the edge: the two share numbering.
#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace lvs::runtime {

// Messages echo what the caller sent; past this they are cut, so that a huge name
// comes back as INVALID_ARGUMENT and not as gRPC's "metadata size exceeds limit".
inline constexpr size_t kMaxStatusMessage = 2048;

inline grpc::Status ToGrpcStatus(const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  std::string message(s.message());
  if (message.size() > kMaxStatusMessage) {
    message.resize(kMaxStatusMessage);
    message += "... (cut)";
  }
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), message);
}

inline absl::Status FromGrpcStatus(const grpc::Status& s) {
  if (s.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
}

}  // namespace lvs::runtime
