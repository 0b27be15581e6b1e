// A small value type for an IPv4 or IPv6 address, used by the pure VRRP core so that
// it needs no socket headers in its interface.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace lvs::vrrp {

enum class IpFamily : uint8_t { kV4 = 4, kV6 = 6 };

class IpAddress {
 public:
  IpAddress() = default;
  static std::optional<IpAddress> Parse(std::string_view text);
  // bytes.size() must be 4 or 16.
  static std::optional<IpAddress> FromBytes(std::span<const uint8_t> bytes);
  static IpAddress V4(uint8_t a, uint8_t b, uint8_t c, uint8_t d);

  IpFamily family() const { return family_; }
  bool is_v4() const { return family_ == IpFamily::kV4; }
  size_t size() const { return is_v4() ? 4 : 16; }
  std::span<const uint8_t> bytes() const { return {bytes_.data(), size()}; }
  bool is_unspecified() const;
  std::string ToString() const;

  // Numeric order within a family (VRRP breaks priority ties by the higher address).
  friend auto operator<=>(const IpAddress&, const IpAddress&) = default;

 private:
  IpFamily family_ = IpFamily::kV4;
  std::array<uint8_t, 16> bytes_{};
};

}  // namespace lvs::vrrp
