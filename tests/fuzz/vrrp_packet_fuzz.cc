// libFuzzer target: any bytes given to the VRRP codec — as an IPv4 datagram from a
// raw socket, or as an IPv6 payload — end in an advert or a reject reason, never a
// crash or sanitizer report; an accepted advert survives a rebuild unchanged.
#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>

#include "services/vrrpd/vrrp_packet.h"

namespace {

using lvs::net::IpAddress;
using lvs::vrrp::ParseResult;
using lvs::vrrp::ReceivedAdvert;

void CheckRoundTrip(const ParseResult& r) {
  const auto* rx = std::get_if<ReceivedAdvert>(&r);
  if (rx == nullptr) return;
  lvs::vrrp::InstanceExpectation want;
  want.vrid = rx->advert.vrid;
  (void)lvs::vrrp::CheckAgainstInstance(*rx, want);
  const std::vector<uint8_t> rebuilt = lvs::vrrp::BuildVrrpMessage(rx->advert, rx->src, rx->dst);
  const ParseResult again = lvs::vrrp::ParseVrrpMessage(rebuilt, rx->src, rx->dst, rx->ttl);
  const auto* rx2 = std::get_if<ReceivedAdvert>(&again);
  if (rx2 == nullptr || rx2->advert.vrid != rx->advert.vrid ||
      rx2->advert.priority != rx->advert.priority || rx2->advert.version != rx->advert.version ||
      rx2->advert.addresses != rx->advert.addresses) {
    __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> bytes(data, size);
  CheckRoundTrip(lvs::vrrp::ParseIpv4Datagram(bytes));
  static const IpAddress src = *IpAddress::Parse("fe80::82");
  static const IpAddress dst = *IpAddress::Parse("ff02::12");
  CheckRoundTrip(lvs::vrrp::ParseIpv6Payload(bytes, src, dst, 255));
  return 0;
}
