#include "services/checkd/smtp_dialogue.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace lvs::checkd {
namespace {

// A reply line's printable start, for a reason a person reads.
std::string Shown(absl::string_view line) {
  std::string out;
  for (char c : line.substr(0, 80))
    out += absl::ascii_isprint(static_cast<unsigned char>(c)) ? c : '?';
  return out;
}

}  // namespace

SmtpDialogue::Step SmtpDialogue::OnBytes(absl::string_view bytes) {
  Step step;
  for (char c : bytes) {
    if (phase_ == Phase::kDone) break;
    if (c != '\n') {
      if (line_.size() >= kMaxLine) {
        phase_ = Phase::kDone;
        step.verdict = CheckOutcome::Down("SMTP reply line longer than 4096 bytes");
        break;
      }
      line_ += c;
      continue;
    }
    std::string line = std::move(line_);
    line_.clear();
    if (!line.empty() && line.back() == '\r') line.pop_back();
    // "250-..." continues a reply; "250 ..." or a bare "250" ends it.
    if (line.size() < 3 || !absl::ascii_isdigit(static_cast<unsigned char>(line[0])) ||
        !absl::ascii_isdigit(static_cast<unsigned char>(line[1])) ||
        !absl::ascii_isdigit(static_cast<unsigned char>(line[2]))) {
      phase_ = Phase::kDone;
      step.verdict = CheckOutcome::Down(absl::StrCat("not an SMTP reply: \"", Shown(line), "\""));
      break;
    }
    if (line.size() > 3 && line[3] == '-') continue;
    const int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    step.verdict = OnReply(code, line, &step.send);
    if (step.verdict) break;
  }
  return step;
}

std::optional<CheckOutcome> SmtpDialogue::OnReply(int code, absl::string_view line,
                                                  std::string* send) {
  switch (phase_) {
    case Phase::kBanner:
      if (code != 220) {
        phase_ = Phase::kDone;
        return CheckOutcome::Down(
            absl::StrCat("SMTP banner ", code, " (expected 220): \"", Shown(line), "\""));
      }
      absl::StrAppend(send, "HELO ", helo_name_, "\r\n");
      phase_ = Phase::kHelo;
      return std::nullopt;
    case Phase::kHelo:
      phase_ = Phase::kDone;
      if (code != 250) {
        return CheckOutcome::Down(
            absl::StrCat("SMTP HELO answered ", code, " (expected 250): \"", Shown(line), "\""));
      }
      absl::StrAppend(send, "QUIT\r\n");
      return CheckOutcome::Up("SMTP 220, HELO 250");
    case Phase::kDone: break;
  }
  return std::nullopt;
}

CheckOutcome SmtpDialogue::OnClosed() const {
  return CheckOutcome::Down(
      absl::StrCat("connection closed while waiting for the SMTP ", waiting_for()));
}

const char* SmtpDialogue::waiting_for() const {
  return phase_ == Phase::kBanner ? "banner" : "HELO reply";
}

}  // namespace lvs::checkd
