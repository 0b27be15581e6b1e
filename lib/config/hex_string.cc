#include "lib/config/hex_string.h"

#include "absl/strings/str_cat.h"

namespace lvs::config {
namespace {

// A nibble's value, 0x10 for a wildcard, -1 for anything else.
int Nibble(char c, bool allow_wildcard) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (allow_wildcard && (c == 'x' || c == 'X')) return 0x10;
  return -1;
}

}  // namespace

absl::StatusOr<HexBytes> ParseKeepalivedHex(absl::string_view text, bool allow_wildcard) {
  HexBytes out;
  std::string mask;
  bool wildcard = false;
  size_t i = 0;
  auto bad = [&](size_t at) {
    return absl::InvalidArgumentError(absl::StrCat("'", text.substr(at, 1), "' at offset ", at,
                                                   " is not a hex digit",
                                                   allow_wildcard ? " or X" : ""));
  };
  while (true) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    if (i == text.size()) break;
    int hi = Nibble(text[i], allow_wildcard);
    if (hi < 0) return bad(i);
    ++i;
    uint8_t value = hi == 0x10 ? 0 : static_cast<uint8_t>(hi);
    uint8_t ignore = hi == 0x10 ? 0x0f : 0;
    // Two digits make an octet; a lone digit before a blank (or the end) is one.
    if (i < text.size() && text[i] != ' ' && text[i] != '\t') {
      int lo = Nibble(text[i], allow_wildcard);
      if (lo < 0) return bad(i);
      ++i;
      value = static_cast<uint8_t>(value << 4 | (lo == 0x10 ? 0 : lo));
      ignore = static_cast<uint8_t>(ignore << 4 | (lo == 0x10 ? 0x0f : 0));
    }
    wildcard |= ignore != 0;
    out.data += static_cast<char>(value);
    mask += static_cast<char>(ignore);
  }
  if (out.data.empty()) return absl::InvalidArgumentError("no hex digits");
  if (out.data.size() > 65535) return absl::InvalidArgumentError("longer than 65535 octets");
  if (wildcard) out.ignore_mask = std::move(mask);
  return out;
}

}  // namespace lvs::config
