// SMTP_CHECK's conversation as a pure state machine: the server's bytes in, what
// to send and the verdict out. keepalived's check_smtp.c: wait for the banner
// (220), send "HELO <helo_name>", expect 250, send "QUIT"; up once the 250 came.
// Replies may span lines ("250-first", "250 last"); only the last line counts.
#pragma once

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "services/checkd/check_outcome.h"

namespace lvs::checkd {

class SmtpDialogue {
 public:
  explicit SmtpDialogue(std::string helo_name) : helo_name_(std::move(helo_name)) {}

  struct Step {
    std::string send;                     // bytes to write now (may be empty)
    std::optional<CheckOutcome> verdict;  // set once: the dialogue is over
  };
  Step OnBytes(absl::string_view bytes);
  // The server closed the connection before a verdict.
  CheckOutcome OnClosed() const;
  // What the dialogue waits for, for a timeout's message ("banner", "HELO reply").
  const char* waiting_for() const;

  static constexpr size_t kMaxLine = 4096;  // RFC 5321 allows 512; be lenient, not unbounded

 private:
  enum class Phase { kBanner, kHelo, kDone };
  std::optional<CheckOutcome> OnReply(int code, absl::string_view line, std::string* send);

  std::string helo_name_;
  Phase phase_ = Phase::kBanner;
  std::string line_;
};

}  // namespace lvs::checkd
