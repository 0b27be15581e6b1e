// HTTP_GET's request and the reading of its answer, with no I/O: keepalived's
// check_http.c speaks HTTP/1.0 on a fresh connection per url, reads the status
// line, and (only when a digest is asked for) hashes the body until the server
// closes or Content-Length bytes came.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "services/checkd/check_outcome.h"
#include "services/checkd/target_spec.h"

namespace lvs::checkd {

// keepalived's request: "GET /path HTTP/1.0" (1.1 with http_protocol 1.1), a
// User-Agent, "Connection: close" for 1.0C and 1.1, and Host: the url's or the
// checker's virtualhost, else the address and port.
std::string BuildHttpRequest(const CheckerSpec& spec, const UrlSpec& url);

class HttpResponseReader {
 public:
  explicit HttpResponseReader(const UrlSpec& url) : url_(url) {}
  // Bytes from the server; a verdict once one can be given (status refused, or
  // the head read and no digest wanted, or the body complete).
  std::optional<CheckOutcome> OnBytes(absl::string_view bytes);
  // The server closed the connection.
  CheckOutcome OnClosed();
  // What the reader waits for, for a timeout's message.
  const char* waiting_for() const { return head_done_ ? "body" : "response"; }

  static constexpr size_t kMaxHead = 64 * 1024;

 private:
  std::optional<CheckOutcome> ParseHead();
  CheckOutcome Finish();

  const UrlSpec& url_;
  std::string head_;
  bool head_done_ = false;
  long status_ = 0;
  std::optional<uint64_t> content_length_;
  uint64_t body_bytes_ = 0;
  BodyDigest digest_;
};

}  // namespace lvs::checkd
