#include "services/vrrpd/ip_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace lvs::vrrp {

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  std::string s(text);
  IpAddress a;
  if (inet_pton(AF_INET, s.c_str(), a.bytes_.data()) == 1) {
    a.family_ = IpFamily::kV4;
    return a;
  }
  if (inet_pton(AF_INET6, s.c_str(), a.bytes_.data()) == 1) {
    a.family_ = IpFamily::kV6;
    return a;
  }
  return std::nullopt;
}

std::optional<IpAddress> IpAddress::FromBytes(std::span<const uint8_t> bytes) {
  if (bytes.size() != 4 && bytes.size() != 16) return std::nullopt;
  IpAddress a;
  a.family_ = bytes.size() == 4 ? IpFamily::kV4 : IpFamily::kV6;
  std::copy(bytes.begin(), bytes.end(), a.bytes_.begin());
  return a;
}

IpAddress IpAddress::V4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  const uint8_t raw[4] = {a, b, c, d};
  return *FromBytes(raw);
}

bool IpAddress::is_unspecified() const {
  auto b = bytes();
  return std::all_of(b.begin(), b.end(), [](uint8_t x) { return x == 0; });
}

std::string IpAddress::ToString() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(is_v4() ? AF_INET : AF_INET6, bytes_.data(), buf, sizeof(buf));
  return buf;
}

}  // namespace lvs::vrrp
