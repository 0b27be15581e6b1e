// keepalived's "free hex format" for byte strings in a config (UDP_CHECK payload
// and require_reply), as lib/parser.c read_hex_str reads it.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace lvs::config {

// Hex digits in pairs, blanks between octets allowed, a lone digit before a blank
// is one octet ("Ab12f 3" is AB 12 0F 03); with `allow_wildcard`, x/X is a nibble
// that matches anything (its ignore_mask bits are 1).
struct HexBytes {
  std::string data;
  std::string ignore_mask;  // empty when no wildcard was used
};
absl::StatusOr<HexBytes> ParseKeepalivedHex(absl::string_view text, bool allow_wildcard);

}  // namespace lvs::config
