#include "services/checkd/http_response.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace lvs::checkd {

std::string BuildHttpRequest(const CheckerSpec& spec, const UrlSpec& url) {
  std::string host = url.virtualhost.empty() ? spec.virtualhost : url.virtualhost;
  if (host.empty()) {
    // keepalived: the address and always the port.
    host = spec.connect_ip.find(':') != std::string::npos ? absl::StrCat("[", spec.connect_ip, "]")
                                                          : spec.connect_ip;
    absl::StrAppend(&host, ":", spec.connect_port);
  }
  const bool v11 = spec.http_protocol == v1::HTTP_1_1;
  const bool close = v11 || spec.http_protocol == v1::HTTP_1_0C;
  return absl::StrCat("GET ", url.path, v11 ? " HTTP/1.1" : " HTTP/1.0",
                      "\r\nUser-Agent: lvs-ha checkd\r\n", close ? "Connection: close\r\n" : "",
                      "Host: ", host, "\r\n\r\n");
}

bool UrlRound::Next(CheckOutcome& outcome) {
  if (outcome.ok && ++index_ < urls_.size()) return true;
  if (!outcome.ok && urls_.size() > 1) {
    outcome.reason = absl::StrCat(outcome.reason, " (", urls_[index_].path, ")");
  }
  return false;
}

UrlBodyCheck::UrlBodyCheck(const UrlSpec& url) : url_(url), wants_digest_(!url.digest.empty()) {
  if (url.regex) regex_.emplace(url.regex, url.regex_min_offset, url.regex_max_end);
}

void UrlBodyCheck::OnBody(absl::string_view bytes) {
  if (wants_digest_) digest_.Update(bytes);
  if (regex_) regex_->Feed(bytes);
}

CheckOutcome UrlBodyCheck::Verdict(long status) {
  CheckOutcome outcome = EvaluateHttpResponse(status, wants_digest_ ? digest_.HexDigest() : "",
                                              url_.status_codes, url_.digest);
  if (!outcome.ok || !regex_) return outcome;
  regex_->Finish();
  const std::string& pattern = url_.regex->pattern();
  if (!regex_->error().empty()) {
    return CheckOutcome::Down(
        absl::StrCat("regex '", pattern, "' could not be matched: ", regex_->error()));
  }
  if (regex_->matched() == url_.regex_no_match) {
    return CheckOutcome::Down(
        url_.regex_no_match
            ? absl::StrCat("the body matches regex '", pattern, "' (regex_no_match)")
            : absl::StrCat("the body does not match regex '", pattern, "'"));
  }
  outcome.reason =
      absl::StrCat(outcome.reason, url_.regex_no_match ? ", regex not matched" : ", regex matched");
  return outcome;
}

void HttpResponseReader::Body(absl::string_view bytes) {
  if (content_length_) {
    const uint64_t left = *content_length_ > body_bytes_ ? *content_length_ - body_bytes_ : 0;
    if (bytes.size() > left) bytes = bytes.substr(0, static_cast<size_t>(left));
  }
  body_bytes_ += bytes.size();
  body_.OnBody(bytes);
}

std::optional<CheckOutcome> HttpResponseReader::OnBytes(absl::string_view bytes) {
  if (!head_done_) {
    const size_t before = head_.size();
    head_.append(bytes.data(),
                 bytes.size());  // each read is bounded: so is the head, by the check below
    const size_t end = head_.find("\r\n\r\n", before >= 3 ? before - 3 : 0);
    if (end == std::string::npos) {
      // A status line that cannot be HTTP is known at once, not at the timeout.
      if (head_.size() >= 5 && !absl::StartsWith(head_, "HTTP/"))
        return CheckOutcome::Down("not an HTTP response");
      if (head_.size() > kMaxHead)
        return CheckOutcome::Down("HTTP response head longer than 64 KiB");
      return std::nullopt;
    }
    const size_t body_start = end + 4;
    const std::string rest = head_.substr(std::min(body_start, head_.size()));
    head_.resize(end);
    head_done_ = true;
    if (auto verdict = ParseHead()) return verdict;
    Body(rest);
  } else {
    Body(bytes);
  }
  if ((content_length_ && body_bytes_ >= *content_length_) || body_.body_decided()) return Finish();
  return std::nullopt;
}

std::optional<CheckOutcome> HttpResponseReader::ParseHead() {
  std::vector<absl::string_view> lines = absl::StrSplit(head_, "\r\n");
  // "HTTP/1.1 200 OK"
  std::vector<absl::string_view> status = absl::StrSplit(lines[0], absl::MaxSplits(' ', 2));
  if (status.size() < 2 || !absl::StartsWith(status[0], "HTTP/") || status[1].size() != 3 ||
      !absl::SimpleAtoi(status[1], &status_)) {
    return CheckOutcome::Down("not an HTTP response");
  }
  for (size_t i = 1; i < lines.size(); ++i) {
    const size_t colon = lines[i].find(':');
    if (colon == absl::string_view::npos) continue;
    if (!absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(lines[i].substr(0, colon)),
                                "content-length"))
      continue;
    uint64_t n = 0;
    if (absl::SimpleAtoi(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)), &n))
      content_length_ = n;
  }
  // The status alone decides when the body is not looked at (a refused status
  // decides either way): the body need not be read.
  CheckOutcome by_status = EvaluateHttpResponse(status_, "", url_.status_codes, "");
  if (!by_status.ok || !body_.wants_body()) return by_status;
  return std::nullopt;
}

CheckOutcome HttpResponseReader::Finish() { return body_.Verdict(status_); }

CheckOutcome HttpResponseReader::OnClosed() {
  if (!head_done_) {
    return CheckOutcome::Down(head_.empty()
                                  ? "connection closed without a response"
                                  : "connection closed in the middle of the response head");
  }
  if (content_length_ && body_bytes_ < *content_length_) {
    return CheckOutcome::Down(absl::StrCat("connection closed after ", body_bytes_, " of ",
                                           *content_length_, " body bytes"));
  }
  return Finish();
}

}  // namespace lvs::checkd
