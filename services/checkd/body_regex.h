// HTTP_GET / SSL_GET's url regex over a response body that arrives in pieces, as
// keepalived's check_regex() does: PCRE2 partial matching keeps only what a match
// in progress (plus the pattern's lookbehind) needs, so a large body is never held
// whole. The match must start in [min_offset, max_end) of the body (max_end 0: no
// limit). Pure: no I/O.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

struct pcre2_real_code_8;
struct pcre2_real_match_data_8;

namespace lvs::checkd {

// A pattern compiled once and shared by every url (and probe) that names it.
class CompiledRegex {
 public:
  // The same (pattern, options) gives the same object while any user holds it.
  static absl::StatusOr<std::shared_ptr<const CompiledRegex>> Get(const std::string& pattern,
                                                                  uint32_t options);
  ~CompiledRegex();
  CompiledRegex(const CompiledRegex&) = delete;
  CompiledRegex& operator=(const CompiledRegex&) = delete;

  const std::string& pattern() const { return pattern_; }
  pcre2_real_code_8* code() const { return code_; }
  size_t max_lookbehind() const { return max_lookbehind_; }

 private:
  CompiledRegex(std::string pattern, pcre2_real_code_8* code, size_t max_lookbehind)
      : pattern_(std::move(pattern)), code_(code), max_lookbehind_(max_lookbehind) {}
  std::string pattern_;
  pcre2_real_code_8* code_;
  size_t max_lookbehind_;
};

class BodyRegexMatcher {
 public:
  BodyRegexMatcher(std::shared_ptr<const CompiledRegex> regex, uint64_t min_offset,
                   uint64_t max_end);
  ~BodyRegexMatcher();
  BodyRegexMatcher(const BodyRegexMatcher&) = delete;
  BodyRegexMatcher& operator=(const BodyRegexMatcher&) = delete;

  // The next bytes of the body.
  void Feed(absl::string_view bytes);
  // The body ended: a last, complete match over what is kept (a `$` or a match
  // still partial at the end is decided now).
  void Finish();
  // Matched, or no later byte can change that (a match found, or the window passed).
  bool decided() const { return decided_; }
  bool matched() const { return matched_; }
  // Why it cannot match when PCRE2 itself gave up (match limit); empty otherwise.
  const std::string& error() const { return error_; }

  // A partial match longer than this is given up on (keepalived's buffer is smaller).
  static constexpr size_t kMaxWindow = 1 << 20;

 private:
  void Match(bool partial);
  void Drop(size_t n);  // forget the first n bytes of the window

  std::shared_ptr<const CompiledRegex> regex_;
  uint64_t min_offset_, max_end_;
  pcre2_real_match_data_8* match_data_;
  std::string window_;         // body bytes a match may still use
  uint64_t window_start_ = 0;  // the body offset of window_[0]
  size_t resume_ = 0;          // where in window_ the next search starts
  bool decided_ = false, matched_ = false;
  std::string error_;
};

}  // namespace lvs::checkd
