#include "services/cli/endpoint_syntax.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "lib/net/ip_address.h"

namespace lvs::cli {
namespace {

// "ADDR:PORT" or "[ADDR6]:PORT", into a ServiceKey's or a RealKey's address and port.
template <typename Key>
absl::Status ParseHostPort(absl::string_view text, Key& key) {
  std::string host;
  absl::string_view port_text;
  if (absl::ConsumePrefix(&text, "[")) {
    auto close = text.find("]:");
    if (close == absl::string_view::npos)
      return absl::InvalidArgumentError(absl::StrCat("'[", text, "': expected [IPv6]:PORT"));
    host = std::string(text.substr(0, close));
    port_text = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == absl::string_view::npos)
      return absl::InvalidArgumentError(absl::StrCat("'", text, "': expected ADDRESS:PORT"));
    host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
    if (host.find(':') != std::string::npos)
      return absl::InvalidArgumentError(
          absl::StrCat("'", text, "': write an IPv6 address in brackets, [ADDR]:PORT"));
  }
  if (!net::IpAddress::Parse(host))
    return absl::InvalidArgumentError(absl::StrCat("'", host, "' is not an IP address"));
  uint32_t port;
  if (!absl::SimpleAtoi(port_text, &port) || port == 0 || port > 65535)
    return absl::InvalidArgumentError(absl::StrCat("'", port_text, "' is not a port (1-65535)"));
  key.set_address(host);
  key.set_port(port);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<lvs::v1::ServiceKey> ParseServiceKey(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  lvs::v1::ServiceKey key;
  std::string lower = absl::AsciiStrToLower(text);
  absl::string_view rest = lower;
  auto take_prefix = [&](absl::string_view word) {
    return absl::ConsumePrefix(&rest, absl::StrCat(word, ":")) ||
           absl::ConsumePrefix(&rest, absl::StrCat(word, " "));
  };
  if (take_prefix("fwmark") || take_prefix("fwm")) {
    uint32_t mark;
    if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(rest), &mark) || mark == 0)
      return absl::InvalidArgumentError(
          absl::StrCat("'", text, "': fwmark must be a positive integer"));
    key.set_fwmark(mark);
    return key;
  }
  key.set_protocol(lvs::v1::TCP);
  if (take_prefix("tcp"))
    key.set_protocol(lvs::v1::TCP);
  else if (take_prefix("udp"))
    key.set_protocol(lvs::v1::UDP);
  else if (take_prefix("sctp"))
    key.set_protocol(lvs::v1::SCTP);
  // Addresses are case-insensitive, so the lower-cased rest is fine to parse.
  if (auto s = ParseHostPort(absl::StripAsciiWhitespace(rest), key); !s.ok()) return s;
  return key;
}

absl::StatusOr<lvs::v1::RealKey> ParseRealKey(absl::string_view text) {
  lvs::v1::RealKey key;
  if (auto s = ParseHostPort(absl::StripAsciiWhitespace(text), key); !s.ok()) return s;
  return key;
}

std::string FormatRealKey(const lvs::v1::RealKey& key) {
  bool v6 = key.address().find(':') != std::string::npos;
  return v6 ? absl::StrCat("[", key.address(), "]:", key.port())
            : absl::StrCat(key.address(), ":", key.port());
}

std::string FormatServiceKey(const lvs::v1::ServiceKey& key) {
  if (key.fwmark() != 0) return absl::StrCat("FWM ", key.fwmark());
  const char* proto = key.protocol() == lvs::v1::UDP    ? "UDP"
                      : key.protocol() == lvs::v1::SCTP ? "SCTP"
                                                        : "TCP";
  lvs::v1::RealKey as_real;
  as_real.set_address(key.address());
  as_real.set_port(key.port());
  return absl::StrCat(proto, " ", FormatRealKey(as_real));
}

}  // namespace lvs::cli
