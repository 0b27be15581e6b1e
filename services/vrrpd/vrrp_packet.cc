#include "services/vrrpd/vrrp_packet.h"

#include <algorithm>

namespace lvs::vrrp {
namespace {

constexpr uint8_t kTypeAdvert = 1;
constexpr size_t kIpv4HeaderLen = 20;

bool CarriesAuthData(uint8_t version, net::IpFamily family) {
  return version == 2 && family == net::IpFamily::kV4;
}

// v2 over IPv4 is checksummed alone; v3 over IPv4 and everything over IPv6 carry
// the upper-layer pseudo-header.
bool UsesPseudoHeader(uint8_t version, net::IpFamily family) {
  return version == 3 || family == net::IpFamily::kV6;
}

uint32_t PseudoHeaderSum(const net::IpAddress& src, const net::IpAddress& dst, size_t len) {
  uint32_t sum = ChecksumAdd(0, src.bytes());
  sum = ChecksumAdd(sum, dst.bytes());
  if (src.is_v4()) {
    const uint8_t tail[4] = {0, kIpProtoVrrp, static_cast<uint8_t>(len >> 8),
                             static_cast<uint8_t>(len)};
    return ChecksumAdd(sum, tail);
  }
  const uint8_t tail[8] = {static_cast<uint8_t>(len >> 24),
                           static_cast<uint8_t>(len >> 16),
                           static_cast<uint8_t>(len >> 8),
                           static_cast<uint8_t>(len),
                           0,
                           0,
                           0,
                           kIpProtoVrrp};
  return ChecksumAdd(sum, tail);
}

uint16_t MessageChecksum(std::span<const uint8_t> msg, uint8_t version, const net::IpAddress& src,
                         const net::IpAddress& dst) {
  uint32_t sum =
      UsesPseudoHeader(version, src.family()) ? PseudoHeaderSum(src, dst, msg.size()) : 0;
  return ChecksumFinish(ChecksumAdd(sum, msg));
}

void Put16(std::vector<uint8_t>& out, size_t at, uint16_t v) {
  out[at] = static_cast<uint8_t>(v >> 8);
  out[at + 1] = static_cast<uint8_t>(v);
}

uint16_t Get16(std::span<const uint8_t> in, size_t at) {
  return static_cast<uint16_t>(in[at] << 8 | in[at + 1]);
}

}  // namespace

const char* RejectReasonName(RejectReason r) {
  switch (r) {
    case RejectReason::kNone: return "none";
    case RejectReason::kTruncated: return "truncated";
    case RejectReason::kBadIpHeader: return "bad_ip_header";
    case RejectReason::kBadTtl: return "bad_ttl";
    case RejectReason::kBadVersion: return "bad_version";
    case RejectReason::kBadType: return "bad_type";
    case RejectReason::kBadChecksum: return "bad_checksum";
    case RejectReason::kUnknownVrid: return "unknown_vrid";
    case RejectReason::kAuthTypeMismatch: return "auth_type_mismatch";
    case RejectReason::kAuthMismatch: return "auth_mismatch";
    case RejectReason::kAdvertIntMismatch: return "advert_int_mismatch";
    case RejectReason::kAddressMismatch: return "address_mismatch";
    case RejectReason::kNotAPeer: return "not_a_peer";
    case RejectReason::kCount: break;
  }
  return "unknown";
}

std::array<uint8_t, kVrrpAuthLen> PassAuthData(std::string_view pass) {
  std::array<uint8_t, kVrrpAuthLen> out{};
  std::copy_n(pass.begin(), std::min(pass.size(), out.size()), out.begin());
  return out;
}

uint32_t ChecksumAdd(uint32_t sum, std::span<const uint8_t> data) {
  size_t i = 0;
  for (; i + 1 < data.size(); i += 2) sum += static_cast<uint32_t>(data[i] << 8 | data[i + 1]);
  if (i < data.size()) sum += static_cast<uint32_t>(data[i] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return sum;
}

uint16_t ChecksumFinish(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum & 0xffff);
}

std::vector<uint8_t> BuildVrrpMessage(const VrrpAdvert& advert, const net::IpAddress& src,
                                      const net::IpAddress& dst) {
  const net::IpFamily family = src.family();
  const bool auth = CarriesAuthData(advert.version, family);
  std::vector<uint8_t> out(kVrrpHeaderLen);
  out[0] = static_cast<uint8_t>(advert.version << 4 | kTypeAdvert);
  out[1] = advert.vrid;
  out[2] = advert.priority;
  size_t count = 0;
  for (const net::IpAddress& a : advert.addresses) {
    if (a.family() != family) continue;
    out.insert(out.end(), a.bytes().begin(), a.bytes().end());
    ++count;
  }
  out[3] = static_cast<uint8_t>(count);
  if (advert.version == 3) {
    Put16(out, 4, advert.advert_int_cs & 0x0fff);
  } else {
    out[4] = static_cast<uint8_t>(auth ? advert.auth_type : VrrpAuthType::kNone);
    out[5] = static_cast<uint8_t>(std::min<int>(advert.advert_int_cs / 100, 255));
  }
  if (auth) {
    if (advert.auth_type == VrrpAuthType::kPass) {
      out.insert(out.end(), advert.auth_data.begin(), advert.auth_data.end());
    } else {
      out.resize(out.size() + kVrrpAuthLen, 0);
    }
  }
  Put16(out, 6, MessageChecksum(out, advert.version, src, dst));
  return out;
}

std::vector<uint8_t> BuildIpv4Datagram(const VrrpAdvert& advert, const net::IpAddress& src,
                                       const net::IpAddress& dst, uint16_t ip_id) {
  std::vector<uint8_t> msg = BuildVrrpMessage(advert, src, dst);
  std::vector<uint8_t> out(kIpv4HeaderLen + msg.size());
  out[0] = 0x45;
  out[1] = 0xc0;
  Put16(out, 2, static_cast<uint16_t>(out.size()));
  Put16(out, 4, ip_id);
  out[8] = kVrrpTtl;
  out[9] = kIpProtoVrrp;
  std::copy(src.bytes().begin(), src.bytes().end(), out.begin() + 12);
  std::copy(dst.bytes().begin(), dst.bytes().end(), out.begin() + 16);
  Put16(out, 10, ChecksumFinish(ChecksumAdd(0, std::span(out).first(kIpv4HeaderLen))));
  std::copy(msg.begin(), msg.end(), out.begin() + kIpv4HeaderLen);
  return out;
}

ParseResult ParseIpv4Datagram(std::span<const uint8_t> datagram) {
  if (datagram.size() < kIpv4HeaderLen) return RejectReason::kTruncated;
  if (datagram[0] >> 4 != 4) return RejectReason::kBadIpHeader;
  const size_t ihl = size_t{static_cast<uint8_t>(datagram[0] & 0x0f)} * 4;
  const size_t total = Get16(datagram, 2);
  if (ihl < kIpv4HeaderLen || total < ihl) return RejectReason::kBadIpHeader;
  if (datagram.size() < total || datagram.size() < ihl) return RejectReason::kTruncated;
  if (datagram[9] != kIpProtoVrrp) return RejectReason::kBadIpHeader;
  const net::IpAddress src = *net::IpAddress::FromBytes(datagram.subspan(12, 4));
  const net::IpAddress dst = *net::IpAddress::FromBytes(datagram.subspan(16, 4));
  return ParseVrrpMessage(datagram.subspan(ihl, total - ihl), src, dst, datagram[8]);
}

ParseResult ParseIpv6Payload(std::span<const uint8_t> payload, const net::IpAddress& src,
                             const net::IpAddress& dst, uint8_t hop_limit) {
  return ParseVrrpMessage(payload, src, dst, hop_limit);
}

ParseResult ParseVrrpMessage(std::span<const uint8_t> payload, const net::IpAddress& src,
                             const net::IpAddress& dst, uint8_t ttl) {
  if (payload.size() < kVrrpHeaderLen) return RejectReason::kTruncated;
  ReceivedAdvert rx;
  rx.src = src;
  rx.dst = dst;
  rx.ttl = ttl;
  VrrpAdvert& a = rx.advert;
  a.version = payload[0] >> 4;
  if (a.version != 2 && a.version != 3) return RejectReason::kBadVersion;
  if ((payload[0] & 0x0f) != kTypeAdvert) return RejectReason::kBadType;
  a.vrid = payload[1];
  a.priority = payload[2];
  const size_t count = payload[3];
  const size_t addr_len = src.size();
  const bool auth = CarriesAuthData(a.version, src.family());
  const size_t expected = kVrrpHeaderLen + count * addr_len + (auth ? kVrrpAuthLen : 0);
  if (payload.size() < expected) return RejectReason::kTruncated;
  if (MessageChecksum(payload, a.version, src, dst) != 0) return RejectReason::kBadChecksum;
  if (a.version == 3) {
    a.advert_int_cs = Get16(payload, 4) & 0x0fff;
  } else {
    a.auth_type = static_cast<VrrpAuthType>(payload[4]);
    a.advert_int_cs = static_cast<uint16_t>(payload[5] * 100);
  }
  for (size_t i = 0; i < count; ++i) {
    a.addresses.push_back(
        *net::IpAddress::FromBytes(payload.subspan(kVrrpHeaderLen + i * addr_len, addr_len)));
  }
  if (auth) {
    std::copy_n(payload.begin() + kVrrpHeaderLen + count * addr_len, kVrrpAuthLen,
                a.auth_data.begin());
  }
  return rx;
}

RejectReason CheckAgainstInstance(const ReceivedAdvert& rx, const InstanceExpectation& want,
                                  bool check_addresses) {
  const VrrpAdvert& a = rx.advert;
  if (a.vrid != want.vrid) return RejectReason::kUnknownVrid;
  if (!want.unicast && rx.ttl != kVrrpTtl) return RejectReason::kBadTtl;
  if (a.version != want.version) return RejectReason::kBadVersion;
  // keepalived's order: the address count, then (after auth and interval) each address.
  if (check_addresses && a.addresses.size() != want.addresses.size()) {
    return RejectReason::kAddressMismatch;
  }
  if (CarriesAuthData(a.version, rx.src.family())) {
    if (a.auth_type != want.auth_type) return RejectReason::kAuthTypeMismatch;
    if (want.auth_type == VrrpAuthType::kPass && a.auth_data != want.auth_data) {
      return RejectReason::kAuthMismatch;
    }
  }
  if (a.version == 2 && a.advert_int_cs != want.advert_int_cs) {
    return RejectReason::kAdvertIntMismatch;
  }
  if (check_addresses) {
    for (const net::IpAddress& mine : want.addresses) {
      if (std::find(a.addresses.begin(), a.addresses.end(), mine) == a.addresses.end()) {
        return RejectReason::kAddressMismatch;
      }
    }
    if (!want.peers_only.empty() && std::find(want.peers_only.begin(), want.peers_only.end(),
                                              rx.src) == want.peers_only.end()) {
      return RejectReason::kNotAPeer;
    }
  }
  return RejectReason::kNone;
}

}  // namespace lvs::vrrp
