#include "services/checkd/body_regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace lvs::checkd {

absl::StatusOr<std::shared_ptr<const CompiledRegex>> CompiledRegex::Get(const std::string& pattern,
                                                                        uint32_t options) {
  // Compiled once per pattern while any checker holds it (the lock covers the cache).
  static absl::Mutex mu(absl::kConstInit);
  static auto* cache =
      new std::map<std::pair<std::string, uint32_t>, std::weak_ptr<const CompiledRegex>>;
  absl::MutexLock lock(&mu);
  auto& slot = (*cache)[{pattern, options}];
  if (auto hit = slot.lock()) return hit;
  int code = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* re = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                 options, &code, &offset, nullptr);
  if (re == nullptr) {
    cache->erase({pattern, options});
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(code, message, sizeof message);
    return absl::InvalidArgumentError(absl::StrCat(
        "regex '", pattern, "' does not compile: ", reinterpret_cast<const char*>(message),
        " at offset ", offset));
  }
  uint32_t lookbehind = 0;
  pcre2_pattern_info(re, PCRE2_INFO_MAXLOOKBEHIND, &lookbehind);
  std::shared_ptr<const CompiledRegex> compiled(new CompiledRegex(pattern, re, lookbehind));
  slot = compiled;
  return compiled;
}

CompiledRegex::~CompiledRegex() { pcre2_code_free(code_); }

BodyRegexMatcher::BodyRegexMatcher(std::shared_ptr<const CompiledRegex> regex, uint64_t min_offset,
                                   uint64_t max_end)
    : regex_(std::move(regex)),
      min_offset_(min_offset),
      max_end_(max_end),
      match_data_(pcre2_match_data_create_from_pattern(regex_->code(), nullptr)) {}

BodyRegexMatcher::~BodyRegexMatcher() { pcre2_match_data_free(match_data_); }

void BodyRegexMatcher::Drop(size_t n) {
  window_.erase(0, n);
  window_start_ += n;
  resume_ = resume_ > n ? resume_ - n : 0;
}

void BodyRegexMatcher::Feed(absl::string_view bytes) {
  if (decided_ || bytes.empty()) return;
  // Bytes before regex_min_offset (less the context a match there may look back
  // at) are never looked at.
  const uint64_t lookbehind = regex_->max_lookbehind() + 1;
  const uint64_t keep_from = min_offset_ > lookbehind ? min_offset_ - lookbehind : 0;
  const uint64_t end = window_start_ + window_.size();
  if (end + bytes.size() <= keep_from) {
    window_start_ += bytes.size();
    return;
  }
  if (end < keep_from) {
    const size_t skip = static_cast<size_t>(keep_from - end);
    bytes.remove_prefix(skip);
    window_start_ += skip;
  }
  window_.append(bytes.data(), bytes.size());
  Match(/*partial=*/true);
  if (!decided_ && window_.size() > kMaxWindow) {
    decided_ = true;
    error_ = absl::StrCat("a match in progress spans more than ", kMaxWindow, " bytes");
  }
}

void BodyRegexMatcher::Finish() {
  if (!decided_) Match(/*partial=*/false);
  decided_ = true;
}

void BodyRegexMatcher::Match(bool partial) {
  size_t start = resume_;
  if (min_offset_ > window_start_)
    start = std::max<size_t>(start, static_cast<size_t>(min_offset_ - window_start_));
  if (start > window_.size()) return;  // min_offset not reached yet
  if (max_end_ != 0 && window_start_ + start >= max_end_) {
    decided_ = true;  // no match can start inside the window any more
    return;
  }
  // A window that no longer begins the body must not match ^ at its first byte.
  uint32_t flags = window_start_ > 0 ? PCRE2_NOTBOL : 0;
  if (partial) flags |= PCRE2_PARTIAL_HARD;
  const int rc = pcre2_match(regex_->code(), reinterpret_cast<PCRE2_SPTR>(window_.data()),
                             window_.size(), start, flags, match_data_, nullptr);
  const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match_data_);
  // What a later match may look back at: the pattern's lookbehind, and one byte
  // more for ^ after a newline (multiline) and \b.
  const size_t context = regex_->max_lookbehind() + 1;
  if (rc >= 0) {
    // The leftmost match from `start`: any other starts later still.
    decided_ = true;
    matched_ = max_end_ == 0 || window_start_ + ovector[0] < max_end_;
    return;
  }
  if (rc == PCRE2_ERROR_PARTIAL) {
    // Keep from where the partial match starts (with its lookbehind) and try it
    // again when more bytes come.
    const size_t from = ovector[0];
    if (max_end_ != 0 && window_start_ + from >= max_end_) {
      decided_ = true;
      return;
    }
    Drop(from > context ? from - context : 0);
    resume_ = std::min(from, context);
    return;
  }
  if (rc == PCRE2_ERROR_NOMATCH) {
    // No match starts anywhere in the window: keep only the context.
    const size_t keep = std::min(window_.size(), context);
    Drop(window_.size() - keep);
    resume_ = window_.size();
    if (!partial || (max_end_ != 0 && window_start_ + resume_ >= max_end_)) decided_ = true;
    return;
  }
  PCRE2_UCHAR message[256];
  pcre2_get_error_message(rc, message, sizeof message);
  error_ = reinterpret_cast<const char*>(message);
  decided_ = true;
}

}  // namespace lvs::checkd
