#include "lib/config/value_reader.h"

#include <arpa/inet.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace lvs::config {

std::string FormatSeconds(uint64_t ms) {
  std::string out = absl::StrCat(ms / 1000);
  if (ms % 1000 != 0) {
    std::string fraction = absl::StrCat(1000 + ms % 1000).substr(1);
    while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
    absl::StrAppend(&out, ".", fraction);
  }
  return out;
}

void ValueReader::Bad(BadValue bad, const Location& at, std::string_view keyword,
                      const std::string& message) {
  if (bad == BadValue::kRequired) {
    sink_.Error(at, keyword, message);
  } else {
    sink_.Warning(at, keyword, absl::StrCat(message, "; ignored (as keepalived)"));
  }
}

std::optional<int64_t> ValueReader::Integer(const Token& token, std::string_view keyword,
                                            int64_t low, int64_t high, BadValue bad) {
  int64_t value = 0;
  if (!absl::SimpleAtoi(token.text, &value)) {
    Bad(bad, token.location, keyword, absl::StrCat("'", token.text, "' is not an integer"));
    return std::nullopt;
  }
  if (value < low || value > high) {
    Bad(bad, token.location, keyword, absl::StrCat(value, " is out of range ", low, "-", high));
    return std::nullopt;
  }
  return value;
}

std::optional<uint32_t> ValueReader::Millis(const Token& token, std::string_view keyword,
                                            uint64_t low_ms, uint64_t high_ms, BadValue bad) {
  const std::string& text = token.text;
  uint64_t micros = 0;
  size_t i = 0;
  size_t int_digits = 0;
  while (i < text.size() && absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) {
    if (++int_digits > 9) break;
    micros = micros * 10 + (text[i] - '0');
    ++i;
  }
  micros *= 1'000'000;
  size_t frac_digits = 0;
  bool ok = int_digits > 0 && int_digits <= 9;
  if (ok && i < text.size() && text[i] == '.') {
    ++i;
    uint64_t scale = 100'000;
    while (i < text.size() && absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) {
      if (frac_digits < 6) micros += (text[i] - '0') * scale;
      scale /= 10;
      ++frac_digits;
      ++i;
    }
    ok = frac_digits > 0;
  }
  if (!ok || i != text.size()) {
    Bad(bad, token.location, keyword,
        absl::StrCat("'", text, "' is not a time in seconds (e.g. 1 or 0.5)"));
    return std::nullopt;
  }
  const uint64_t ms = (micros + 500) / 1000;
  if (ms < low_ms || ms > high_ms) {
    Bad(bad, token.location, keyword,
        absl::StrCat(text, " s is out of range ", FormatSeconds(low_ms), "-",
                     FormatSeconds(high_ms), " s"));
    return std::nullopt;
  }
  if (micros % 1000 != 0) {
    sink_.Warning(
        token.location, keyword,
        absl::StrCat(text, " s rounded to ", FormatSeconds(ms), " s (lvs-ha keeps milliseconds)"));
  }
  return static_cast<uint32_t>(ms);
}

std::optional<bool> ValueReader::Bool(const Statement& s, size_t arg) {
  if (arg >= s.args.size()) return true;
  const Token& token = s.args[arg];
  const std::string value = absl::AsciiStrToLower(token.text);
  if (value == "on" || value == "true" || value == "yes") return true;
  if (value == "off" || value == "false" || value == "no") return false;
  Bad(BadValue::kIgnore, token.location, s.name(),
      absl::StrCat("'", token.text, "' is not one of on, off, true, false, yes, no"));
  return std::nullopt;
}

std::optional<net::IpAddress> ValueReader::Ip(const Token& token, std::string_view keyword) {
  if (auto ip = net::IpAddress::Parse(token.text)) return ip;
  sink_.Error(token.location, keyword,
              absl::StrCat("'", token.text, "' is not an IPv4 or IPv6 address"));
  return std::nullopt;
}

std::optional<net::IpAddress> ValueReader::IpWithPrefix(const Token& token,
                                                        std::string_view keyword,
                                                        uint32_t* prefix_len) {
  const size_t slash = token.text.find('/');
  Token address = token;
  address.text = token.text.substr(0, slash);
  std::optional<net::IpAddress> ip = Ip(address, keyword);
  if (!ip) return std::nullopt;
  const uint32_t full = ip->max_prefix();
  *prefix_len = full;
  if (slash == std::string::npos) return ip;
  Token length = token;
  length.text = token.text.substr(slash + 1);
  length.location.column += slash + 1;
  uint32_t value = 0;
  if (!absl::SimpleAtoi(length.text, &value) || value > full) {
    sink_.Error(length.location, keyword,
                absl::StrCat("'", length.text, "' is not a prefix length 0-", full, " for ",
                             ip->is_v6() ? "IPv6" : "IPv4"));
    return std::nullopt;
  }
  *prefix_len = value;
  return ip;
}

std::optional<v1::ForwardingMethod> ValueReader::Method(const Token& token,
                                                        std::string_view keyword) {
  const std::string value = absl::AsciiStrToUpper(token.text);
  if (value == "NAT") return v1::NAT;
  if (value == "DR") return v1::DR;
  if (value == "TUN") return v1::TUN;
  if (value == "FNAT") {
    sink_.Error(token.location, keyword,
                "FNAT is a feature of DPVS (a keepalived fork), not of the kernel's IPVS");
    return std::nullopt;
  }
  sink_.Warning(token.location, keyword,
                absl::StrCat("'", token.text,
                             "' is not a forwarding method (NAT, DR or TUN); ignored (as "
                             "keepalived)"));
  return std::nullopt;
}

}  // namespace lvs::config
