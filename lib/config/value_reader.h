// Reads and range-checks keyword values (numbers, timers, booleans, addresses),
// reporting a located error for every bad one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "lib/config/diagnostic_sink.h"
#include "lib/config/syntax_tree.h"
#include "lib/net/ip_address.h"
#include "lvs/v1/config.pb.h"

namespace lvs::config {

// How a bad value is reported. keepalived logs a bad value and keeps the keyword's
// default (kIgnore: a warning ending in "; ignored"); only values without which the
// block means nothing (a VRID, an address) are errors (kRequired).
enum class BadValue { kIgnore, kRequired };

class ValueReader {
 public:
  explicit ValueReader(DiagnosticSink& sink) : sink_(sink) {}

  std::optional<int64_t> Integer(const Token& token, std::string_view keyword, int64_t low,
                                 int64_t high, BadValue bad = BadValue::kIgnore);
  std::optional<int64_t> Integer(const Statement& s, size_t arg, int64_t low, int64_t high,
                                 BadValue bad = BadValue::kIgnore) {
    return Integer(s.args.at(arg), s.name(), low, high, bad);
  }

  // A keepalived <TIMER>: seconds with an optional fraction ("1", "0.5", "2.71828"),
  // returned in milliseconds. Fractions finer than 1 ms are rounded, with a warning.
  std::optional<uint32_t> Millis(const Token& token, std::string_view keyword, uint64_t low_ms,
                                 uint64_t high_ms, BadValue bad = BadValue::kIgnore);
  std::optional<uint32_t> Millis(const Statement& s, size_t arg, uint64_t low_ms,
                                 uint64_t high_ms) {
    return Millis(s.args.at(arg), s.name(), low_ms, high_ms);
  }

  // A keepalived <BOOL> (on|off|true|false|yes|no); a missing value means true.
  std::optional<bool> Bool(const Statement& s, size_t arg);

  std::optional<net::IpAddress> Ip(const Token& token, std::string_view keyword);

  // ADDR[/LEN]; `prefix_len` is set to the family's full length when absent.
  std::optional<net::IpAddress> IpWithPrefix(const Token& token, std::string_view keyword,
                                             uint32_t* prefix_len);

  // NAT | DR | TUN (any case), as lb_kind / lvs_method.
  std::optional<v1::ForwardingMethod> Method(const Token& token, std::string_view keyword);

  DiagnosticSink& sink() { return sink_; }

  // A bad value: an error, or a warning saying it is ignored.
  void Bad(BadValue bad, const Location& at, std::string_view keyword, const std::string& message);

 private:
  DiagnosticSink& sink_;
};

// Mechanical fixes for a warning about `token` (lvsctl config fix): replace the
// token's text, or delete its whole line.
v1::TextEdit Replace(const Token& token, std::string replacement, std::string reason);
v1::TextEdit DeleteLine(const Token& token, std::string reason);

// Milliseconds as keepalived would write them in seconds, e.g. 1500 -> "1.5".
std::string FormatSeconds(uint64_t ms);

}  // namespace lvs::config
