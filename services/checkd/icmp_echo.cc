#include "services/checkd/icmp_echo.h"

namespace lvs::checkd {
namespace {

constexpr uint8_t kEchoRequest4 = 8, kEchoReply4 = 0;
constexpr uint8_t kEchoRequest6 = 128, kEchoReply6 = 129;
constexpr size_t kEchoHeader = 8;  // type, code, checksum, id, sequence

void Put16(std::string& s, size_t at, uint16_t v) {
  s[at] = static_cast<char>(v >> 8);
  s[at + 1] = static_cast<char>(v & 0xff);
}

uint16_t Get16(absl::string_view s, size_t at) {
  return static_cast<uint16_t>((static_cast<uint8_t>(s[at]) << 8) |
                               static_cast<uint8_t>(s[at + 1]));
}

}  // namespace

uint16_t InternetChecksum(absl::string_view bytes) {
  uint32_t sum = 0;
  size_t i = 0;
  for (; i + 1 < bytes.size(); i += 2) sum += Get16(bytes, i);
  if (i < bytes.size()) sum += static_cast<uint32_t>(static_cast<uint8_t>(bytes[i])) << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

std::string BuildEchoRequest(bool ipv6, EchoId id, absl::string_view payload) {
  std::string m(kEchoHeader, '\0');
  m[0] = static_cast<char>(ipv6 ? kEchoRequest6 : kEchoRequest4);
  Put16(m, 4, id.id);
  Put16(m, 6, id.seq);
  m.append(payload.data(), payload.size());
  if (!ipv6) Put16(m, 2, InternetChecksum(m));
  return m;
}

std::optional<EchoId> ParseEchoReply(bool ipv6, absl::string_view packet, bool has_ip_header) {
  if (has_ip_header) {
    if (packet.empty() || (static_cast<uint8_t>(packet[0]) >> 4) != 4) return std::nullopt;
    const size_t ihl = size_t{static_cast<uint8_t>(packet[0] & 0x0f)} * 4;
    if (ihl < 20 || packet.size() < ihl) return std::nullopt;
    packet.remove_prefix(ihl);
  }
  if (packet.size() < kEchoHeader) return std::nullopt;
  if (static_cast<uint8_t>(packet[0]) != (ipv6 ? kEchoReply6 : kEchoReply4) || packet[1] != 0) {
    return std::nullopt;
  }
  return EchoId{Get16(packet, 4), Get16(packet, 6)};
}

}  // namespace lvs::checkd
