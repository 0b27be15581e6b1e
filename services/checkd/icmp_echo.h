// ICMP / ICMPv6 echo messages for PING_CHECK: building a request and reading a
// reply, with no I/O. A ping socket (SOCK_DGRAM, IPPROTO_ICMP) hands over the ICMP
// message alone and rewrites the identifier to its own; a raw IPv4 socket hands
// over the IP header too; a raw ICMPv6 socket, the ICMPv6 message alone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace lvs::checkd {

struct EchoId {
  uint16_t id = 0;
  uint16_t seq = 0;
  bool operator==(const EchoId& o) const { return id == o.id && seq == o.seq; }
};

// An echo request (type 8, or 128 for ICMPv6) carrying `payload`. The IPv4
// checksum is filled in; ICMPv6's needs the addresses, so the kernel computes it.
std::string BuildEchoRequest(bool ipv6, EchoId id, absl::string_view payload);

// The id and sequence of an echo reply (type 0, or 129), or nothing for any other
// message (requests looped back, unreachables, a truncated packet).
// `has_ip_header`: the bytes start with an IPv4 header (a raw IPv4 socket).
std::optional<EchoId> ParseEchoReply(bool ipv6, absl::string_view packet, bool has_ip_header);

// The Internet checksum (RFC 1071) of `bytes`.
uint16_t InternetChecksum(absl::string_view bytes);

}  // namespace lvs::checkd
