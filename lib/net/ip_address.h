// The one IP address type of the project: an IPv4 or IPv6 address as the kernel
// holds it (network byte order), with parsing and formatting, keepalived's address
// ranges, and the "ADDR:PORT" spelling. Used by the config model, the three daemons
// and lvsctl; no socket headers in the interface, so the pure cores stay free of them.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace lvs::net {

enum class IpFamily : uint8_t { kV4 = 4, kV6 = 6 };

class IpAddress {
 public:
  IpAddress() = default;  // 0.0.0.0
  // Dotted quad or RFC 4291 text (what inet_pton takes); nothing else.
  static std::optional<IpAddress> Parse(std::string_view text);
  // bytes.size() must be 4 or 16.
  static std::optional<IpAddress> FromBytes(std::span<const uint8_t> bytes);
  static IpAddress V4(uint8_t a, uint8_t b, uint8_t c, uint8_t d);
  // All zeros of the family given as AF_INET / AF_INET6.
  static IpAddress Any(int af);
  // 4 (AF_INET) or 16 (AF_INET6) bytes at `data`, as the kernel's messages carry them.
  static IpAddress FromRaw(int af, const void* data);

  IpFamily family() const { return family_; }
  bool is_v4() const { return family_ == IpFamily::kV4; }
  bool is_v6() const { return !is_v4(); }
  int af() const;  // AF_INET or AF_INET6
  uint32_t max_prefix() const { return is_v4() ? 32 : 128; }
  size_t size() const { return is_v4() ? 4 : 16; }
  std::span<const uint8_t> bytes() const { return {bytes_.data(), size()}; }
  // The kernel's nf_inet_addr layout: 16 bytes, an IPv4 address in the first 4.
  const std::array<uint8_t, 16>& raw() const { return bytes_; }
  bool is_unspecified() const;
  // inet_ntop's canonical form ("2001:db8::1", "192.168.64.100").
  std::string ToString() const;

  // Numeric order within a family, IPv4 before IPv6 (VRRP breaks priority ties by
  // the higher address).
  friend auto operator<=>(const IpAddress&, const IpAddress&) = default;

 private:
  IpFamily family_ = IpFamily::kV4;
  std::array<uint8_t, 16> bytes_{};
};

// keepalived's address range (virtual_server_group): "a.b.c.d-e" over the last IPv4
// octet (e decimal), "x::y-z" over the last IPv6 group (z hex), where the end may also
// be written as a whole address of the same family; a lone address is a range of one.
struct IpRange {
  IpAddress first;
  uint32_t last = 0;  // the last octet (IPv4) or group (IPv6) of the range's end
  enum class Error { kNotAnAddress, kBackwards };
  // The end before the start, or past 255 / ffff: kBackwards; else kNotAnAddress.
  static std::variant<IpRange, Error> Parse(std::string_view text);
  std::vector<IpAddress> Addresses() const;
};

// "192.168.64.143:80" or "[2001:db8::2]:80".
std::string HostPort(const IpAddress& addr, uint16_t port);

}  // namespace lvs::net
