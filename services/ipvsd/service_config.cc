#include "services/ipvsd/service_config.h"

#include <arpa/inet.h>

#include <cstring>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace lvs::ipvs {
namespace {

using lvs::v1::VirtualServer;

std::string Where(const lvs::v1::SourceLocation& loc) {
  if (loc.file().empty()) return "";
  return absl::StrCat(loc.file(), ":", loc.line(), ": ");
}

Forwarding ForwardingOf(lvs::v1::ForwardingMethod m, Forwarding fallback) {
  switch (m) {
    case lvs::v1::NAT: return Forwarding::kNat;
    case lvs::v1::DR: return Forwarding::kDirect;
    case lvs::v1::TUN: return Forwarding::kTunnel;
    default: return fallback;
  }
}

uint16_t ProtocolOf(lvs::v1::Protocol p) {
  switch (p) {
    case lvs::v1::UDP: return IPPROTO_UDP;
    case lvs::v1::SCTP: return IPPROTO_SCTP;
    default: return IPPROTO_TCP;
  }
}

uint32_t SchedulerFlags(const VirtualServer& vs) {
  uint32_t flags = vs.persistence_timeout_s() ? kSvcFlagPersistent : 0;
  if (vs.ops()) flags |= kSvcFlagOnePacket;
  for (const std::string& f : vs.lb_flags()) {
    if (f == "sh-fallback" || f == "mh-fallback" || f == "flag-1") flags |= kSvcFlagSched1;
    if (f == "sh-port" || f == "mh-port" || f == "flag-2") flags |= kSvcFlagSched2;
    if (f == "flag-3") flags |= kSvcFlagSched3;
  }
  return flags;
}

absl::StatusOr<uint32_t> Netmask(const VirtualServer& vs, int af) {
  const std::string& g = vs.persistence_granularity();
  if (af == AF_INET6) {
    if (g.empty()) return 128;
    uint32_t prefix;
    if (!absl::SimpleAtoi(g, &prefix) || prefix > 128)
      return absl::InvalidArgumentError(absl::StrCat(
          Where(vs.location()), "persistence_granularity '", g, "' is not an IPv6 prefix length"));
    return prefix;
  }
  if (g.empty()) return 0xffffffffu;
  in_addr mask;
  if (inet_pton(AF_INET, g.c_str(), &mask) != 1)
    return absl::InvalidArgumentError(absl::StrCat(
        Where(vs.location()), "persistence_granularity '", g, "' is not an IPv4 netmask"));
  uint32_t raw;
  std::memcpy(&raw, &mask, 4);
  return raw;
}

// A virtual_server_group entry's address: one address, or keepalived's range
// "a.b.c.d-e" over the last IPv4 octet (or the last IPv6 group), where e may also be
// written as a whole address.
absl::StatusOr<std::vector<net::IpAddress>> ExpandRange(const std::string& text,
                                                        const lvs::v1::SourceLocation& loc) {
  auto range = net::IpRange::Parse(text);
  if (auto* r = std::get_if<net::IpRange>(&range)) return r->Addresses();
  if (std::get<net::IpRange::Error>(range) == net::IpRange::Error::kBackwards)
    return absl::InvalidArgumentError(
        absl::StrCat(Where(loc), "'", text, "': the range must end at or after its start"));
  return absl::InvalidArgumentError(
      absl::StrCat(Where(loc), "'", text, "' is not an address or address range"));
}

// The kernel keys one virtual_server block maps to.
absl::StatusOr<std::vector<ServiceKey>> KeysOf(
    const VirtualServer& vs,
    const std::map<std::string, const lvs::v1::VirtualServerGroup*>& groups) {
  const uint16_t protocol = ProtocolOf(vs.protocol());
  std::vector<ServiceKey> keys;
  auto add_entry = [&](const std::string& address, uint32_t port, uint32_t fwmark,
                       const lvs::v1::SourceLocation& loc) -> absl::Status {
    if (fwmark) {
      keys.push_back(ServiceKey{vs.ipv6() ? AF_INET6 : AF_INET, 0,
                                net::IpAddress::Any(vs.ipv6() ? AF_INET6 : AF_INET), 0, fwmark});
      return absl::OkStatus();
    }
    auto addrs = ExpandRange(address, loc);
    if (!addrs.ok()) return addrs.status();
    for (const net::IpAddress& a : *addrs)
      keys.push_back(ServiceKey{a.af(), protocol, a, static_cast<uint16_t>(port), 0});
    return absl::OkStatus();
  };
  absl::Status s;
  if (!vs.group().empty()) {
    auto g = groups.find(vs.group());
    if (g == groups.end())
      return absl::InvalidArgumentError(absl::StrCat(Where(vs.location()), "virtual_server group '",
                                                     vs.group(), "' is not defined"));
    for (const auto& e : g->second->entries()) {
      s = add_entry(e.address(), e.port(), e.fwmark(), g->second->location());
      if (!s.ok()) return s;
    }
  } else {
    s = add_entry(vs.address(), vs.port(), vs.fwmark(), vs.location());
    if (!s.ok()) return s;
  }
  return keys;
}

absl::StatusOr<DestSpec> DestOf(const std::string& address, uint32_t port, Forwarding forwarding,
                                const lvs::v1::SourceLocation& loc) {
  auto addr = net::IpAddress::Parse(address);
  if (!addr)
    return absl::InvalidArgumentError(
        absl::StrCat(Where(loc), "'", address, "' is not an IP address"));
  DestSpec d;
  d.key = DestKey{*addr, static_cast<uint16_t>(port)};
  d.forwarding = forwarding;
  return d;
}

// keepalived's check_data.c: DR and TUN forward to the service's own port (none for
// a fwmark service), whatever port the real server names (that one is for its checks).
uint32_t IpvsPort(uint32_t port, Forwarding forwarding, const ServiceKey& service) {
  if (forwarding == Forwarding::kNat) return port;
  return service.is_fwmark() ? 0 : service.port;
}

}  // namespace

Hook HookOf(const lvs::v1::NotifyScript& script, const lvs::v1::GlobalDefs& global) {
  return Hook{.command = script.command(),
              .user = script.user(),
              .group = script.group(),
              .script_user = global.script_user(),
              .script_group = global.script_group(),
              .script_security = global.enable_script_security()};
}

std::string TargetId(const ServiceKey& service, const DestKey& real) {
  return absl::StrCat(service.ToString(), " -> ", real.ToString());
}

namespace {

uint16_t TunnelFlags(lvs::v1::Tunnel::Checksum checksum) {
  switch (checksum) {
    case lvs::v1::Tunnel::CSUM: return 1;
    case lvs::v1::Tunnel::REMCSUM: return 2;
    default: return 0;
  }
}

// One real_server of a virtual_server, for the kernel key `key` the block maps to.
absl::StatusOr<RealConfig> RealOf(const VirtualServer& vs, const lvs::v1::RealServer& rs,
                                  const ServiceKey& key, const lvs::v1::GlobalDefs& global) {
  const Forwarding forwarding =
      ForwardingOf(rs.lb_kind(), ForwardingOf(vs.lb_kind(), Forwarding::kNat));
  auto d = DestOf(rs.address(), IpvsPort(rs.port(), forwarding, key), forwarding, rs.location());
  if (!d.ok()) return d.status();
  RealConfig rc;
  rc.spec = *d;
  rc.spec.weight = rs.weight();
  rc.spec.upper_threshold = rs.uthreshold();
  rc.spec.lower_threshold = rs.lthreshold();
  if (rc.spec.forwarding == Forwarding::kTunnel) {
    rc.spec.tun_type = static_cast<uint8_t>(rs.tunnel().type());
    rc.spec.tun_port = static_cast<uint16_t>(rs.tunnel().port());
    rc.spec.tun_flags = TunnelFlags(rs.tunnel().checksum());
  }
  rc.inhibit_on_failure = rs.inhibit_on_failure() || vs.inhibit_on_failure();
  rc.has_checkers = rs.checkers_size() > 0;
  rc.alpha = vs.alpha() || rs.alpha();
  for (const auto& c : rs.checkers()) rc.alpha = rc.alpha || c.alpha();
  rc.target_id = TargetId(key, rc.spec.key);
  rc.notify_up = HookOf(rs.notify_up(), global);
  rc.notify_down = HookOf(rs.notify_down(), global);
  rc.source = rs;
  rc.delay_loop_ms = rs.delay_loop_ms()   ? rs.delay_loop_ms()
                     : vs.delay_loop_ms() ? vs.delay_loop_ms()
                                          : 60000;
  return rc;
}

// A virtual_server block for one kernel key it maps to: the service, its quorum,
// passive check and sorry server, and its reals.
absl::StatusOr<ServiceConfig> ServiceOf(const VirtualServer& vs, const ServiceKey& key,
                                        const lvs::v1::GlobalDefs& global) {
  ServiceConfig sc;
  sc.spec.key = key;
  sc.spec.scheduler = vs.lb_algo().empty() ? "wlc" : vs.lb_algo();
  sc.spec.flags = SchedulerFlags(vs);
  sc.spec.timeout_s = vs.persistence_timeout_s();
  sc.spec.pe_name = vs.persistence_engine();
  auto mask = Netmask(vs, key.af);
  if (!mask.ok()) return mask.status();
  sc.spec.netmask = *mask;
  sc.quorum = vs.quorum() ? vs.quorum() : 1;
  sc.hysteresis = vs.hysteresis();
  sc.quorum_up = HookOf(vs.quorum_up(), global);
  sc.quorum_down = HookOf(vs.quorum_down(), global);
  sc.omega = vs.omega();
  sc.smtp_alert = vs.smtp_alert();
  sc.ha_suspend = vs.ha_suspend() && !key.is_fwmark();
  const lvs::v1::PassiveCheck& passive = vs.passive_check();
  sc.passive.enabled = passive.enabled() && (key.protocol == IPPROTO_TCP || key.is_fwmark());
  if (passive.min_failures()) sc.passive.min_failures = passive.min_failures();
  if (passive.max_ejected_percent()) sc.passive.max_ejected_percent = passive.max_ejected_percent();
  sc.sorry_server_inhibit = vs.sorry_server_inhibit();
  if (vs.has_sorry_server() && !vs.sorry_server().address().empty()) {
    const lvs::v1::SorryServer& sorry = vs.sorry_server();
    const Forwarding forwarding =
        ForwardingOf(sorry.lb_kind(), ForwardingOf(vs.lb_kind(), Forwarding::kNat));
    auto d =
        DestOf(sorry.address(), IpvsPort(sorry.port(), forwarding, key), forwarding, vs.location());
    if (!d.ok()) return d.status();
    sc.sorry_server = *d;
  }
  for (const lvs::v1::RealServer& rs : vs.real_servers()) {
    auto rc = RealOf(vs, rs, key, global);
    if (!rc.ok()) return rc.status();
    sc.reals.push_back(*std::move(rc));
  }
  return sc;
}

}  // namespace

absl::StatusOr<std::vector<ServiceConfig>> ServicesFromConfig(const lvs::v1::Config& config) {
  std::map<std::string, const lvs::v1::VirtualServerGroup*> groups;
  for (const auto& g : config.virtual_server_groups()) groups[g.name()] = &g;

  std::vector<ServiceConfig> out;
  for (const VirtualServer& vs : config.virtual_servers()) {
    auto keys = KeysOf(vs, groups);
    if (!keys.ok()) return keys.status();
    for (const ServiceKey& key : *keys) {
      auto sc = ServiceOf(vs, key, config.global_defs());
      if (!sc.ok()) return sc.status();
      out.push_back(*std::move(sc));
    }
  }
  return out;
}

}  // namespace lvs::ipvs
