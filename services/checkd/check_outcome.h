// What one run of one checker concluded, and the pure rules that turn raw
// observations (errno, HTTP status and body digest, a script's wait status) into it.
// No I/O here: the checkers observe, these functions judge, unit tests cover them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace lvs::checkd {

struct CheckOutcome {
  bool ok = false;
  // A phrase a person can read: "connection refused", "no answer in 3 s",
  // "HTTP 503", "digest mismatch", "exit status 1".
  std::string reason;
  absl::Duration latency = absl::ZeroDuration();
  // MISC_CHECK with misc_dynamic: the weight the script asked for; -1 when none.
  int32_t weight = -1;
  // checkd could not even try (no socket, no fork): says nothing about the real
  // server, so it counts neither way (keepalived: "Rescheduling.").
  bool local_error = false;

  static CheckOutcome Up(std::string reason = "ok", int32_t weight = -1) {
    return {true, std::move(reason), absl::ZeroDuration(), weight};
  }
  static CheckOutcome Down(std::string reason) {
    return {false, std::move(reason), absl::ZeroDuration(), -1};
  }
  static CheckOutcome LocalError(const std::string& reason) {
    return {false, "local error: " + reason, absl::ZeroDuration(), -1, true};
  }
};

// "no answer in 3 s", "no answer in 1.5 s", "no answer in 250 ms".
std::string NoAnswerIn(absl::Duration timeout);

// A failed connect's errno as a short phrase ("connection refused").
std::string DescribeConnectError(int err);
// The outcome of a socket/bind/connect that failed with `err`: down for what the
// network or the server said, a local error for what this host lacks (file
// descriptors, memory, ephemeral ports).
CheckOutcome ConnectFailure(int err);

struct StatusRange {
  uint32_t low;
  uint32_t high;
};

// HTTP_GET / SSL_GET: the status must fall in one of `accepted` (empty: 200-299,
// as keepalived), then, when `expected_digest` is set, the lower-case hex MD5 of
// the body (what genhash prints) must match it.
CheckOutcome EvaluateHttpResponse(long status, absl::string_view body_md5_hex,
                                  const std::vector<StatusRange>& accepted,
                                  absl::string_view expected_digest);

// MISC_CHECK, keepalived's rule: exit 0 up; exit 1 down; with misc_dynamic, exit
// 2..255 up with weight code-2 (without it, any non-zero exit is down); killed by a
// signal is down.
CheckOutcome InterpretMiscExit(int wait_status, bool dynamic);

// Incremental MD5 of a response body, fed as the bytes arrive.
class BodyDigest {
 public:
  BodyDigest();
  ~BodyDigest();
  BodyDigest(const BodyDigest&) = delete;
  BodyDigest& operator=(const BodyDigest&) = delete;
  void Reset();
  void Update(absl::string_view bytes);
  // Lower-case hex; the digest is final after this call until Reset().
  std::string HexDigest();

 private:
  struct Ctx;
  Ctx* ctx_;
};

}  // namespace lvs::checkd
