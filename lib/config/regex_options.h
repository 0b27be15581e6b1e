// HTTP_GET/SSL_GET's url regex, as keepalived reads it: its regex_options words map
// to PCRE2 option bits, and a pattern must compile with them. The bits travel in
// UrlCheck.regex_options; checkd compiles the same pattern with the same bits.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lvs::config {

// The PCRE2 option a regex_options word names (keepalived's list), or nothing.
std::optional<uint32_t> RegexOptionBit(std::string_view name);

struct RegexError {
  size_t offset;  // into the pattern
  std::string message;
};
// Compiles `pattern` with `options`: nothing when it compiles, else PCRE2's complaint.
std::optional<RegexError> CheckRegex(const std::string& pattern, uint32_t options);

}  // namespace lvs::config
