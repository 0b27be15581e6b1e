// HTTP_GET's request and the reading of its answer, with no I/O: keepalived's
// check_http.c speaks HTTP/1.0 on a fresh connection per url, reads the status
// line, and (only when a digest or a regex is asked for) reads the body until the
// server closes, Content-Length bytes came, or the regex is decided.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "services/checkd/check_outcome.h"
#include "services/checkd/target_spec.h"

namespace lvs::checkd {

// keepalived's request: "GET /path HTTP/1.0" (1.1 with http_protocol 1.1), a
// User-Agent, "Connection: close" for 1.0C and 1.1, and Host: the url's or the
// checker's virtualhost, else the address and port.
std::string BuildHttpRequest(const CheckerSpec& spec, const UrlSpec& url);

// HTTP_GET's and SSL_GET's urls, checked in turn (each on a fresh connection): up
// when every one is, down at the first that is not.
class UrlRound {
 public:
  explicit UrlRound(const std::vector<UrlSpec>& urls) : urls_(urls) {}
  void Restart() { index_ = 0; }
  const UrlSpec& current() const { return urls_[index_]; }
  // After the current url's outcome: true when the next url is to be checked; false
  // when `outcome` is the probe's verdict (a failure then names its url, when there
  // are several).
  bool Next(CheckOutcome& outcome);

 private:
  const std::vector<UrlSpec>& urls_;
  size_t index_ = 0;
};

// What a url's answer must be, in keepalived's order: the status, then the
// digest, then the regex. The body is fed as it arrives (checkd's own reader or
// libcurl's); it is needed only for a digest or a regex.
class UrlBodyCheck {
 public:
  explicit UrlBodyCheck(const UrlSpec& url);
  bool wants_body() const { return wants_digest_ || regex_.has_value(); }
  void OnBody(absl::string_view bytes);
  // No further body byte can change the verdict (only a regex, and it is decided).
  bool body_decided() const { return !wants_digest_ && regex_ && regex_->decided(); }
  // The verdict once the body ended (or was decided) with this status.
  CheckOutcome Verdict(long status);

 private:
  const UrlSpec& url_;
  bool wants_digest_;
  BodyDigest digest_;
  std::optional<BodyRegexMatcher> regex_;
};

class HttpResponseReader {
 public:
  explicit HttpResponseReader(const UrlSpec& url) : url_(url), body_(url) {}
  // Bytes from the server; a verdict once one can be given (status refused, or
  // the head read and no digest wanted, or the body complete).
  std::optional<CheckOutcome> OnBytes(absl::string_view bytes);
  // The server closed the connection.
  CheckOutcome OnClosed();
  // What the reader waits for, for a timeout's message.
  const char* waiting_for() const { return head_done_ ? "body" : "response"; }

  static constexpr size_t kMaxHead = size_t{64} * 1024;

 private:
  std::optional<CheckOutcome> ParseHead();
  CheckOutcome Finish();

  // The body bytes of `bytes` (up to Content-Length), to the check.
  void Body(absl::string_view bytes);

  const UrlSpec& url_;
  UrlBodyCheck body_;
  std::string head_;
  bool head_done_ = false;
  long status_ = 0;
  std::optional<uint64_t> content_length_;
  uint64_t body_bytes_ = 0;
};

}  // namespace lvs::checkd
