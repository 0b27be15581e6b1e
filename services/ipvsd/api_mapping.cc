#include "services/ipvsd/api_mapping.h"

#include "absl/strings/str_cat.h"

namespace lvs::ipvs {

absl::StatusOr<ServiceKey> ServiceKeyFromProto(const lvs::v1::ServiceKey& p) {
  ServiceKey k;
  if (p.fwmark()) {
    if (!p.address().empty() || p.port())
      return absl::InvalidArgumentError(
          "service: give either fwmark, or protocol, address and port, not both");
    k.fwmark = p.fwmark();
    k.protocol = 0;
    k.af = p.ipv6() ? AF_INET6 : AF_INET;
    k.addr.af = k.af;
    return k;
  }
  auto addr = IpAddr::Parse(p.address());
  if (!addr)
    return absl::InvalidArgumentError(
        p.address().empty() ? "service: address (or fwmark) is required"
                            : absl::StrCat("service: '", p.address(), "' is not an IP address"));
  if (p.port() == 0 || p.port() > 65535)
    return absl::InvalidArgumentError(
        absl::StrCat("service: port ", p.port(), " is out of range 1-65535"));
  switch (p.protocol()) {
    case lvs::v1::PROTOCOL_UNSPECIFIED:
    case lvs::v1::TCP: k.protocol = IPPROTO_TCP; break;
    case lvs::v1::UDP: k.protocol = IPPROTO_UDP; break;
    case lvs::v1::SCTP: k.protocol = IPPROTO_SCTP; break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("service: protocol ", p.protocol(), " is not TCP, UDP or SCTP"));
  }
  k.af = addr->af;
  k.addr = *addr;
  k.port = static_cast<uint16_t>(p.port());
  return k;
}

lvs::v1::ServiceKey ServiceKeyToProto(const ServiceKey& k) {
  lvs::v1::ServiceKey p;
  if (k.is_fwmark()) {
    p.set_fwmark(k.fwmark);
    p.set_ipv6(k.af == AF_INET6);
    return p;
  }
  p.set_protocol(k.protocol == IPPROTO_UDP    ? lvs::v1::UDP
                 : k.protocol == IPPROTO_SCTP ? lvs::v1::SCTP
                                              : lvs::v1::TCP);
  p.set_address(k.addr.ToString());
  p.set_port(k.port);
  return p;
}

absl::StatusOr<DestKey> RealKeyFromProto(const lvs::v1::RealKey& p) {
  auto addr = IpAddr::Parse(p.address());
  if (!addr)
    return absl::InvalidArgumentError(
        p.address().empty() ? "real: address is required"
                            : absl::StrCat("real: '", p.address(), "' is not an IP address"));
  if (p.port() > 65535)
    return absl::InvalidArgumentError(absl::StrCat("real: port ", p.port(), " is out of range"));
  return DestKey{*addr, static_cast<uint16_t>(p.port())};
}

lvs::v1::RealKey RealKeyToProto(const DestKey& k) {
  lvs::v1::RealKey p;
  p.set_address(k.addr.ToString());
  p.set_port(k.port);
  return p;
}

absl::StatusOr<OverrideKind> OverrideFromProto(int value) {
  switch (value) {
    case lvs::v1::OVERRIDE_UNSPECIFIED: return OverrideKind::kDefault;
    case lvs::v1::ENABLE: return OverrideKind::kEnable;
    case lvs::v1::DISABLE: return OverrideKind::kDisable;
    case lvs::v1::DRAIN: return OverrideKind::kDrain;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("override ", value, " is not one of default, enable, disable, drain"));
}

lvs::v1::Override OverrideToProto(OverrideKind k) {
  switch (k) {
    case OverrideKind::kDefault: return lvs::v1::OVERRIDE_UNSPECIFIED;
    case OverrideKind::kEnable: return lvs::v1::ENABLE;
    case OverrideKind::kDisable: return lvs::v1::DISABLE;
    case OverrideKind::kDrain: return lvs::v1::DRAIN;
  }
  return lvs::v1::OVERRIDE_UNSPECIFIED;
}

lvs::v1::ForwardingMethod ForwardingToProto(Forwarding f) {
  switch (f) {
    case Forwarding::kNat: return lvs::v1::NAT;
    case Forwarding::kDirect: return lvs::v1::DR;
    case Forwarding::kTunnel: return lvs::v1::TUN;
    case Forwarding::kLocal: break;
  }
  return lvs::v1::FORWARDING_METHOD_UNSPECIFIED;
}

lvs::v1::IpvsStats StatsToProto(const Stats& s) {
  lvs::v1::IpvsStats p;
  p.set_connections(s.conns);
  p.set_packets_in(s.inpkts);
  p.set_packets_out(s.outpkts);
  p.set_bytes_in(s.inbytes);
  p.set_bytes_out(s.outbytes);
  p.set_cps(s.cps);
  p.set_bps_in(s.inbps);
  p.set_bps_out(s.outbps);
  return p;
}

}  // namespace lvs::ipvs
