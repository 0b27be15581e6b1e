#include "lib/net/ip_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace lvs::net {
namespace {
// Abseil's string_view is its own type in this build.
absl::string_view Absl(std::string_view s) { return {s.data(), s.size()}; }
}  // namespace

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  const std::string s(text);  // inet_pton wants a terminated string
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

IpAddress IpAddress::Any(int af) {
  IpAddress a;
  a.family_ = af == AF_INET6 ? IpFamily::kV6 : IpFamily::kV4;
  return a;
}

IpAddress IpAddress::FromRaw(int af, const void* data) {
  IpAddress a = Any(af);
  std::memcpy(a.bytes_.data(), data, a.size());
  return a;
}

int IpAddress::af() const { return is_v4() ? AF_INET : AF_INET6; }

bool IpAddress::is_unspecified() const {
  auto b = bytes();
  return std::all_of(b.begin(), b.end(), [](uint8_t x) { return x == 0; });
}

std::string IpAddress::ToString() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(af(), bytes_.data(), buf, sizeof(buf));
  return buf;
}

namespace {
uint32_t LastPart(const IpAddress& a) {
  const auto& r = a.raw();
  return a.is_v4() ? r[3] : (uint32_t{r[14]} << 8 | r[15]);
}
}  // namespace

std::variant<IpRange, IpRange::Error> IpRange::Parse(std::string_view text) {
  const size_t dash = text.find('-');
  auto first = IpAddress::Parse(text.substr(0, dash));
  if (!first) return Error::kNotAnAddress;
  IpRange range{*first, LastPart(*first)};
  if (dash == std::string_view::npos) return range;
  const std::string_view end = text.substr(dash + 1);
  if (auto whole = IpAddress::Parse(end); whole && whole->family() == first->family()) {
    range.last = LastPart(*whole);
  } else if (end.empty() || end.find('-') != std::string_view::npos ||
             !(first->is_v4() ? absl::SimpleAtoi(Absl(end), &range.last)
                              : absl::SimpleHexAtoi(Absl(end), &range.last))) {
    return Error::kNotAnAddress;
  }
  if (range.last > (first->is_v4() ? 255u : 0xffffu) || range.last < LastPart(*first))
    return Error::kBackwards;
  return range;
}

std::vector<IpAddress> IpRange::Addresses() const {
  std::vector<IpAddress> out;
  for (uint32_t part = LastPart(first); part <= last; ++part) {
    std::array<uint8_t, 16> raw = first.raw();
    if (first.is_v4()) {
      raw[3] = static_cast<uint8_t>(part);
    } else {
      raw[14] = static_cast<uint8_t>(part >> 8);
      raw[15] = static_cast<uint8_t>(part);
    }
    out.push_back(IpAddress::FromRaw(first.af(), raw.data()));
  }
  return out;
}

std::string HostPort(const IpAddress& addr, uint16_t port) {
  if (addr.is_v6()) return absl::StrCat("[", addr.ToString(), "]:", port);
  return absl::StrCat(addr.ToString(), ":", port);
}

}  // namespace lvs::net
