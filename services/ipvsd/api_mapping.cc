#include "services/ipvsd/api_mapping.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

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
    k.addr = net::IpAddress::Any(k.af);
    return k;
  }
  auto addr = net::IpAddress::Parse(p.address());
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
  k.af = addr->af();
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
  auto addr = net::IpAddress::Parse(p.address());
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

namespace {

lvs::v1::Health HealthToProto(RealStatus::Health h) {
  switch (h) {
    case RealStatus::Health::kUp: return lvs::v1::UP;
    case RealStatus::Health::kDown: return lvs::v1::DOWN;
    case RealStatus::Health::kUnknown: return lvs::v1::UNKNOWN;
  }
  return lvs::v1::HEALTH_UNSPECIFIED;
}

}  // namespace

lvs::v1::IpvsService ServiceToProto(const ServiceConfig& sc, const Table& actual,
                                    const DesiredTable& desired, const OverrideMap& overrides) {
  lvs::v1::IpvsService p;
  const ServiceKey& key = sc.spec.key;
  *p.mutable_key() = ServiceKeyToProto(key);
  p.set_scheduler(sc.spec.scheduler);
  p.set_persistence_timeout_s(sc.spec.timeout_s);
  if (sc.spec.timeout_s) {
    const net::IpAddress mask = net::IpAddress::FromRaw(AF_INET, &sc.spec.netmask);
    p.set_persistence_netmask(key.af == AF_INET ? mask.ToString() : absl::StrCat(sc.spec.netmask));
  }
  auto have = actual.find(key);
  const Service* kernel = have == actual.end() ? nullptr : &have->second;
  p.set_in_kernel(kernel != nullptr);
  if (kernel) *p.mutable_stats() = StatsToProto(kernel->stats);
  auto st = desired.status.find(key);
  if (st != desired.status.end()) {
    p.set_quorum_met(st->second.quorum_up);
    p.set_sorry_server_active(st->second.sorry_server_active);
  }
  if (auto o = overrides.find(OverrideKey{key, std::nullopt}); o != overrides.end())
    p.set_override(OverrideToProto(o->second.kind));
  // Reals in ipvsadm -Ln's order (by address, then port), not the config's.
  std::vector<const RealConfig*> reals;
  for (const RealConfig& rc : sc.reals) reals.push_back(&rc);
  std::sort(reals.begin(), reals.end(),
            [](const RealConfig* a, const RealConfig* b) { return a->spec.key < b->spec.key; });
  for (const RealConfig* real : reals) {
    const RealConfig& rc = *real;
    lvs::v1::IpvsReal* r = p.add_reals();
    *r->mutable_key() = RealKeyToProto(rc.spec.key);
    r->set_forwarding(ForwardingToProto(rc.spec.forwarding));
    r->set_configured_weight(rc.spec.weight);
    r->set_upper_threshold(rc.spec.upper_threshold);
    r->set_lower_threshold(rc.spec.lower_threshold);
    if (st != desired.status.end()) {
      if (auto rs = st->second.reals.find(rc.spec.key); rs != st->second.reals.end()) {
        r->set_health(HealthToProto(rs->second.health));
        r->set_health_reason(rs->second.reason);
        if (rc.source.checkers_size() == 0 && rc.source.unimplemented_checkers_size() > 0) {
          r->set_health(lvs::v1::UNCHECKED);
          r->set_health_reason(absl::StrCat(absl::StrJoin(rc.source.unimplemented_checkers(), ", "),
                                            " not run by lvs-ha"));
        }
        r->set_override(OverrideToProto(rs->second.override_kind));
        r->set_passive_suspect(rs->second.passive_suspect);
      }
    }
    if (kernel) {
      if (auto d = kernel->dests.find(rc.spec.key); d != kernel->dests.end()) {
        r->set_in_kernel(true);
        r->set_weight(d->second.spec.weight);
        r->set_active_connections(d->second.active_conns);
        r->set_inactive_connections(d->second.inactive_conns);
        *r->mutable_stats() = StatsToProto(d->second.stats);
      }
    }
  }
  return p;
}

}  // namespace lvs::ipvs
