// VRRP advertisement codec: VRRPv2 (RFC 3768, with keepalived's 8-byte PASS
// authentication) and VRRPv3 (RFC 5798), over IPv4 and IPv6. Pure: no sockets, no
// clock, no globals, so it is unit tested and fuzzed directly.
//
// Receiving is two steps because one socket serves every instance on an interface:
//   1. ParseIpv4Datagram / ParseIpv6Payload: the checks that need no instance
//      (length, version, type, checksum) -> ReceivedAdvert;
//   2. CheckAgainstInstance: the checks that need the instance (TTL / hop limit
//      unless unicast, version, auth, v2 advert interval).
// A raw IPv4 socket delivers the IP header, so step 1 reads src, dst and TTL from it;
// a raw IPv6 socket does not, so the caller passes them from IPV6_PKTINFO and
// IPV6_HOPLIMIT control messages.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "lib/net/ip_address.h"

namespace lvs::vrrp {

inline constexpr uint8_t kIpProtoVrrp = 112;
inline constexpr uint8_t kVrrpTtl = 255;
inline constexpr size_t kVrrpHeaderLen = 8;
inline constexpr size_t kVrrpAuthLen = 8;  // v2 over IPv4 only

enum class VrrpAuthType : uint8_t { kNone = 0, kPass = 1, kAh = 2 };

// Why a received packet was dropped. Each value is a counter in the daemon.
enum class RejectReason : uint8_t {
  kNone = 0,
  kTruncated,    // shorter than its headers / address count say
  kBadIpHeader,  // not IPv4, bad IHL or total length, not protocol 112
  kBadTtl,       // TTL / hop limit not 255 on a multicast instance
  kBadVersion,   // not 2 or 3, or not the instance's version
  kBadType,      // not an advertisement (type 1)
  kBadChecksum,
  kUnknownVrid,  // no instance on this interface has this VRID
  kAuthTypeMismatch,
  kAuthMismatch,       // PASS password differs
  kAdvertIntMismatch,  // v2: the master's interval differs from ours
  kAddressMismatch,    // its VIP list is not the instance's (count or an address)
  kNotAPeer,           // check_unicast_src: a unicast advert from outside unicast_peer
  kCount,
};
const char* RejectReasonName(RejectReason r);  // "bad_checksum", ...

struct VrrpAdvert {
  uint8_t version = 2;  // 2 or 3
  uint8_t vrid = 0;
  uint8_t priority = 0;
  // Advertisement interval in centiseconds: v3 carries centiseconds (12 bits),
  // v2 carries whole seconds (8 bits) and is stored here multiplied by 100.
  uint16_t advert_int_cs = 100;
  VrrpAuthType auth_type = VrrpAuthType::kNone;   // v2 only
  std::array<uint8_t, kVrrpAuthLen> auth_data{};  // v2 PASS: password, zero padded
  std::vector<net::IpAddress> addresses;          // all of the packet's family
};

// Pads or truncates a PASS password to the 8 bytes that go on the wire.
std::array<uint8_t, kVrrpAuthLen> PassAuthData(std::string_view pass);

// One's complement Internet checksum (RFC 1071) over data, continuing from `sum`.
uint32_t ChecksumAdd(uint32_t sum, std::span<const uint8_t> data);
uint16_t ChecksumFinish(uint32_t sum);

// The VRRP message alone, checksum filled in. src/dst feed the pseudo-header of v3
// over IPv4 (as keepalived does) and of every IPv6 packet; v2 over IPv4 has none.
std::vector<uint8_t> BuildVrrpMessage(const VrrpAdvert& advert, const net::IpAddress& src,
                                      const net::IpAddress& dst);

// A whole IPv4 datagram for an IP_HDRINCL raw socket: TOS 0xc0 (internetwork
// control, as keepalived sends), TTL 255, protocol 112, header checksum filled in.
std::vector<uint8_t> BuildIpv4Datagram(const VrrpAdvert& advert, const net::IpAddress& src,
                                       const net::IpAddress& dst, uint16_t ip_id = 0);

struct ReceivedAdvert {
  VrrpAdvert advert;
  net::IpAddress src;
  net::IpAddress dst;
  uint8_t ttl = 0;  // IPv4 TTL or IPv6 hop limit
};

using ParseResult = std::variant<ReceivedAdvert, RejectReason>;

// `datagram` starts at the IPv4 header, as a raw IPPROTO_VRRP socket delivers it.
ParseResult ParseIpv4Datagram(std::span<const uint8_t> datagram);
// `payload` is the VRRP message; src, dst and hop limit come from control messages.
ParseResult ParseIpv6Payload(std::span<const uint8_t> payload, const net::IpAddress& src,
                             const net::IpAddress& dst, uint8_t hop_limit);
// Dispatches on the address family of src.
ParseResult ParseVrrpMessage(std::span<const uint8_t> payload, const net::IpAddress& src,
                             const net::IpAddress& dst, uint8_t ttl);

// What an instance expects of its peers' adverts.
struct InstanceExpectation {
  uint8_t version = 2;
  uint8_t vrid = 0;
  bool unicast = false;  // unicast peers: the TTL is not checked (routers may be between)
  uint16_t advert_int_cs = 100;
  VrrpAuthType auth_type = VrrpAuthType::kNone;
  std::array<uint8_t, kVrrpAuthLen> auth_data{};
  // keepalived (RFC 3768 §7.1 "MAY verify"): the advert must carry exactly these
  // addresses, in any order. Excluded VIPs are not among them.
  std::vector<net::IpAddress> addresses;
  // check_unicast_src: adverts must come from one of these (empty: not checked).
  std::vector<net::IpAddress> peers_only;
};

// `check_addresses`: false only when skip_check_adv_addr lets an advert from the
// master already heard through without comparing its addresses.
RejectReason CheckAgainstInstance(const ReceivedAdvert& rx, const InstanceExpectation& want,
                                  bool check_addresses = true);

}  // namespace lvs::vrrp
