#include "services/vrrpd/vrrp_instance_spec.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "google/protobuf/reflection.h"

namespace lvs::vrrp {
namespace {

absl::Status Bad(const v1::VrrpInstance& in, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(in.location().file(), ":", in.location().line(),
                                                 ": vrrp_instance ", in.name(), ": ", what));
}

// Where a statement sits in the file is no part of what it means: drop every
// SourceLocation, however deep, so that moving a block is no change on reload.
void ClearLocations(google::protobuf::Message& m) {
  const google::protobuf::Reflection* r = m.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  r->ListFields(m, &fields);
  for (const google::protobuf::FieldDescriptor* f : fields) {
    if (f->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (f->message_type() == v1::SourceLocation::descriptor()) {
      r->ClearField(&m, f);
    } else if (f->is_repeated()) {
      for (int i = 0; i < r->FieldSize(m, f); ++i) {
        ClearLocations(*r->MutableRepeatedMessage(&m, f, i));
      }
    } else {
      ClearLocations(*r->MutableMessage(&m, f));
    }
  }
}

template <typename T>
T OrDefault(T value, T fallback) {
  return value != T{} ? value : fallback;
}

absl::StatusOr<Vip> VipFrom(const v1::VrrpInstance& in, const v1::VirtualIp& v) {
  auto addr = net::IpAddress::Parse(v.address());
  if (!addr) return Bad(in, absl::StrCat("bad virtual address ", v.address()));
  Vip vip;
  vip.address = *addr;
  const int max_len = addr->is_v4() ? 32 : 128;
  vip.prefix_len = v.prefix_len() ? static_cast<int>(v.prefix_len()) : max_len;
  if (vip.prefix_len > max_len) return Bad(in, absl::StrCat("bad prefix length on ", v.address()));
  vip.dev = v.dev().empty() ? in.interface() : v.dev();
  vip.label = v.label();
  vip.broadcast = v.broadcast();
  vip.scope = v.scope();
  return vip;
}

absl::Status AddTracking(const v1::VrrpInstance& in, const v1::Config& config,
                         const google::protobuf::RepeatedPtrField<v1::TrackInterface>& ifs,
                         const google::protobuf::RepeatedPtrField<v1::TrackScript>& scripts,
                         InstanceSpec& spec) {
  for (const v1::TrackInterface& t : ifs) {
    spec.vrrp.tracked.push_back({absl::StrCat("if:", t.name()), t.weight(), t.reverse()});
    spec.track_interfaces.push_back(t.name());
  }
  for (const v1::TrackScript& t : scripts) {
    const v1::VrrpScript* found = nullptr;
    for (const v1::VrrpScript& s : config.vrrp_scripts()) {
      if (s.name() == t.name()) found = &s;
    }
    if (found == nullptr)
      return Bad(in, absl::StrCat("track_script ", t.name(), " is not defined"));
    spec.vrrp.tracked.push_back(
        {absl::StrCat("script:", t.name()), t.weight_set() ? t.weight() : found->weight(),
         // keepalived starts from the vrrp_script's reverse; the entry's 'reverse'
         // sets it ('noreverse' on the entry is not told apart from nothing here).
         t.reverse() || found->reverse(),
         found->init_fail() ? TrackedItem::Initially::kFailed : TrackedItem::Initially::kUnknown});
    TrackScriptSpec s;
    s.name = found->name();
    s.script = found->script();
    s.interval = absl::Milliseconds(OrDefault<uint32_t>(found->interval_ms(), 1000));
    s.timeout = found->timeout_ms() ? absl::Milliseconds(found->timeout_ms()) : s.interval;
    s.rise = static_cast<int>(OrDefault<uint32_t>(found->rise(), 1));
    s.user = found->user();
    s.group = found->group();
    s.fall = static_cast<int>(OrDefault<uint32_t>(found->fall(), 1));
    spec.track_scripts.push_back(std::move(s));
  }
  return absl::OkStatus();
}

// The election: VRID, priority, preemption, and the GARP timings of a new master.
absl::Status ElectionFrom(const v1::VrrpInstance& in, VrrpConfig& c) {
  if (in.virtual_router_id() < 1 || in.virtual_router_id() > 255) {
    return Bad(in, absl::StrCat("virtual_router_id ", in.virtual_router_id(), " is not 1..255"));
  }
  c.vrid = static_cast<uint8_t>(in.virtual_router_id());
  const uint32_t prio = in.priority() ? in.priority() : 100;
  if (prio > 255) return Bad(in, absl::StrCat("priority ", prio, " is not 1..255"));
  c.priority = static_cast<uint8_t>(prio);
  c.preempt = !in.nopreempt();
  c.preempt_delay = absl::Milliseconds(in.preempt_delay_ms());
  // The config layer resolved these (instance, else global_defs, else keepalived's
  // default); 0 is a real value here ("vrrp_garp_master_delay 0": no second burst).
  c.garp_master_delay = absl::Milliseconds(in.garp_master_delay_ms());
  c.garp_master_repeat = in.garp_master_repeat();
  c.garp_master_refresh = absl::Milliseconds(in.garp_master_refresh_ms());
  c.garp_master_refresh_repeat = in.garp_master_refresh_repeat();
  c.lower_prio_no_advert = in.lower_prio_no_advert();
  c.garp_lower_prio_repeat = in.garp_lower_prio_repeat();
  c.garp_lower_prio_delay = absl::Milliseconds(in.garp_lower_prio_delay_ms());
  c.higher_prio_send_advert = in.higher_prio_send_advert();
  c.down_timer_adverts = in.down_timer_adverts() ? in.down_timer_adverts() : 3;
  return absl::OkStatus();
}

// The VIPs (excluded ones last) and the family they give the instance.
absl::Status AddressesFrom(const v1::VrrpInstance& in, InstanceSpec& spec) {
  // keepalived runs an instance without addresses (it elects and runs notify scripts;
  // its adverts carry no address), and so does vrrpd.
  for (const v1::VirtualIp& v : in.virtual_ipaddresses()) {
    auto vip = VipFrom(in, v);
    if (!vip.ok()) return vip.status();
    spec.vips.push_back(*vip);
  }
  spec.family = spec.vips.empty() ? (in.family_inet6() ? net::IpFamily::kV6 : net::IpFamily::kV4)
                                  : spec.vips.front().address.family();
  for (const v1::VirtualIp& v : in.virtual_ipaddresses_excluded()) {
    auto vip = VipFrom(in, v);
    if (!vip.ok()) return vip.status();
    vip->excluded = true;
    spec.vips.push_back(*vip);
  }
  return absl::OkStatus();
}

// What the adverts are: the protocol version, their interval, their authentication.
absl::Status AdvertsFrom(const v1::VrrpInstance& in, const v1::GlobalDefs& g, InstanceSpec& spec) {
  VrrpConfig& c = spec.vrrp;
  c.version =
      static_cast<uint8_t>(in.version() ? in.version() : OrDefault<uint32_t>(g.vrrp_version(), 2));
  if (c.version != 2 && c.version != 3) return Bad(in, "version must be 2 or 3");
  // VRRPv2 is IPv4 only (RFC 3768); keepalived runs IPv6 instances as v3.
  if (spec.family == net::IpFamily::kV6) c.version = 3;
  const uint32_t adv_ms = in.advert_int_ms() ? in.advert_int_ms() : 1000;
  if (c.version == 2 && (adv_ms % 1000 != 0 || adv_ms > 255000)) {
    return Bad(in, "VRRPv2 advert_int must be whole seconds, 1..255");
  }
  if (c.version == 3 && (adv_ms % 10 != 0 || adv_ms < 10 || adv_ms > 40950)) {
    return Bad(in, "VRRPv3 advert_int must be 0.01..40.95 s in centiseconds");
  }
  c.advert_int = absl::Milliseconds(adv_ms);
  // VRRPv3 has no authentication; keepalived ignores the block there, and so do we.
  const auto auth = c.version == 2 ? in.authentication().type() : v1::VrrpAuthentication::NONE;
  if (auth == v1::VrrpAuthentication::PASS) {
    spec.auth_type = VrrpAuthType::kPass;
    spec.auth_data = PassAuthData(in.authentication().pass());
  } else if (auth == v1::VrrpAuthentication::AH) {
    return Bad(in, "auth_type AH is not supported; use PASS or none");
  }
  return absl::OkStatus();
}

// use_vmac: the macvlan the instance's own interface's VIPs move to.
absl::Status VmacFrom(const v1::VrrpInstance& in, InstanceSpec& spec) {
  if (in.use_vmac().empty()) return absl::OkStatus();
  if (spec.family == net::IpFamily::kV6) return Bad(in, "use_vmac with IPv6 is not supported");
  if (!in.unicast_peers().empty()) return Bad(in, "use_vmac with unicast_peer is not supported");
  spec.vmac = in.use_vmac();
  // The VIPs of the instance's own interface live on the macvlan, as in keepalived.
  for (Vip& v : spec.vips) {
    if (v.dev == in.interface()) v.dev = spec.vmac;
  }
  return absl::OkStatus();
}

// unicast_src_ip and unicast_peer, of the instance's family.
absl::Status UnicastFrom(const v1::VrrpInstance& in, InstanceSpec& spec) {
  if (!in.unicast_src_ip().empty()) {
    spec.unicast_src = net::IpAddress::Parse(in.unicast_src_ip());
    if (!spec.unicast_src || spec.unicast_src->family() != spec.family) {
      return Bad(in, absl::StrCat("bad unicast_src_ip ", in.unicast_src_ip()));
    }
  }
  for (const std::string& p : in.unicast_peers()) {
    auto a = net::IpAddress::Parse(p);
    if (!a || a->family() != spec.family) return Bad(in, absl::StrCat("bad unicast_peer ", p));
    spec.unicast_peers.push_back(*a);
  }
  return absl::OkStatus();
}

// The block as the instance runs it, for reload diffs: locations cleared, and the
// settings that come from global_defs filled in.
v1::VrrpInstance SourceOf(const v1::VrrpInstance& in, const VrrpConfig& c) {
  v1::VrrpInstance source = in;
  ClearLocations(source);
  source.set_version(c.version);
  source.set_garp_master_delay_ms(absl::ToInt64Milliseconds(c.garp_master_delay));
  source.set_garp_master_repeat(c.garp_master_repeat);
  source.set_garp_master_refresh_ms(absl::ToInt64Milliseconds(c.garp_master_refresh));
  source.set_garp_master_refresh_repeat(c.garp_master_refresh_repeat);
  return source;
}

absl::StatusOr<InstanceSpec> SpecFrom(
    const v1::VrrpInstance& in, const v1::Config& config,
    const std::map<std::string, const v1::VrrpSyncGroup*>& groups) {
  const v1::GlobalDefs& g = config.global_defs();
  InstanceSpec spec;
  spec.vrrp.name = in.name();
  if (in.interface().empty()) return Bad(in, "no interface");
  spec.interface = in.interface();
  if (absl::Status s = ElectionFrom(in, spec.vrrp); !s.ok()) return s;
  if (absl::Status s = AddressesFrom(in, spec); !s.ok()) return s;
  if (absl::Status s = AdvertsFrom(in, g, spec); !s.ok()) return s;
  spec.dont_track_primary = in.dont_track_primary();
  spec.accept = in.accept();
  for (const v1::TrackFile& f : in.track_files()) {
    spec.vrrp.tracked.push_back({absl::StrCat("file:", f.name()), 0, false});
    spec.track_files.push_back(f);
  }
  spec.skip_check_adv_addr = in.skip_check_adv_addr();
  spec.check_unicast_src = in.check_unicast_src();
  spec.promote_secondaries = in.promote_secondaries();
  spec.script_user = g.script_user();
  spec.script_group = g.script_group();
  spec.script_security = g.enable_script_security();
  spec.garp_interval = absl::Milliseconds(
      spec.family == net::IpFamily::kV4 ? g.vrrp_garp_interval_ms() : g.vrrp_gna_interval_ms());
  if (absl::Status s = VmacFrom(in, spec); !s.ok()) return s;
  if (absl::Status s = UnicastFrom(in, spec); !s.ok()) return s;
  if (auto s = AddTracking(in, config, in.track_interfaces(), in.track_scripts(), spec); !s.ok()) {
    return s;
  }
  spec.notify = NotifySpecs::FromConfig(in.notify_master(), in.notify_backup(), in.notify_fault(),
                                        in.notify_stop(), in.notify());
  spec.notify.master_rx_lower_pri = {.command = in.notify_master_rx_lower_pri().command(),
                                     .user = in.notify_master_rx_lower_pri().user(),
                                     .group = in.notify_master_rx_lower_pri().group()};
  if (auto it = groups.find(in.name()); it != groups.end()) {
    spec.sync_group = it->second->name();
    if (auto s = AddTracking(in, config, it->second->track_interfaces(),
                             it->second->track_scripts(), spec);
        !s.ok()) {
      return s;
    }
  }
  spec.source = SourceOf(in, spec.vrrp);
  return spec;
}

}  // namespace

InstanceExpectation InstanceSpec::Expectation() const {
  InstanceExpectation e;
  e.version = vrrp.version;
  e.vrid = vrrp.vrid;
  e.unicast = unicast();
  e.advert_int_cs = static_cast<uint16_t>(absl::ToInt64Milliseconds(vrrp.advert_int) / 10);
  e.auth_type = auth_type;
  e.auth_data = auth_data;
  for (const Vip& v : vips) {
    if (!v.excluded) e.addresses.push_back(v.address);
  }
  if (check_unicast_src) e.peers_only = unicast_peers;
  return e;
}

NotifySpecs NotifySpecs::FromConfig(const v1::NotifyScript& master, const v1::NotifyScript& backup,
                                    const v1::NotifyScript& fault, const v1::NotifyScript& stop,
                                    const v1::NotifyScript& generic) {
  auto one = [](const v1::NotifyScript& n) {
    return NotifySpec{.command = n.command(), .user = n.user(), .group = n.group()};
  };
  return {one(master), one(backup), one(fault), one(stop), one(generic)};
}

absl::StatusOr<std::vector<InstanceSpec>> InstanceSpecsFromConfig(const v1::Config& config) {
  std::map<std::string, const v1::VrrpSyncGroup*> groups;
  for (const v1::VrrpSyncGroup& g : config.vrrp_sync_groups()) {
    for (const std::string& m : g.instances()) groups[m] = &g;
  }
  std::vector<InstanceSpec> out;
  std::map<std::pair<std::string, int>, std::string> vrids;
  for (const v1::VrrpInstance& in : config.vrrp_instances()) {
    auto spec = SpecFrom(in, config, groups);
    if (!spec.ok()) return spec.status();
    auto key = std::make_pair(spec->interface + (spec->family == net::IpFamily::kV4 ? "/4" : "/6"),
                              static_cast<int>(spec->vrrp.vrid));
    if (auto [it, fresh] = vrids.emplace(key, in.name()); !fresh) {
      return Bad(in, absl::StrCat("virtual_router_id ", key.second, " on ", spec->interface,
                                  " is already used by ", it->second));
    }
    out.push_back(std::move(*spec));
  }
  for (const v1::VrrpSyncGroup& g : config.vrrp_sync_groups()) {
    for (const std::string& m : g.instances()) {
      bool found = std::any_of(out.begin(), out.end(),
                               [&](const InstanceSpec& s) { return s.vrrp.name == m; });
      if (!found) {
        return absl::InvalidArgumentError(
            absl::StrCat("vrrp_sync_group ", g.name(), ": no vrrp_instance ", m));
      }
    }
  }
  return out;
}

}  // namespace lvs::vrrp
