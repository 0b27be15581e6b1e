#include "lib/config/config_validator.h"

#include <map>
#include <set>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "lib/config/keyword_suggester.h"

namespace lvs::config {
namespace {

// Where `first` is, as seen from `here`: "line 4" in the same file, else "file:4".
std::string Where(const v1::SourceLocation& first, const v1::SourceLocation& here) {
  if (first.file() == here.file()) return absl::StrCat("line ", first.line());
  return absl::StrCat(first.file(), ":", first.line());
}

bool IsIpv6(const std::string& address) { return address.find(':') != std::string::npos; }

std::string ProtocolName(v1::Protocol protocol) {
  switch (protocol) {
    case v1::UDP: return "UDP";
    case v1::SCTP: return "SCTP";
    default: return "TCP";
  }
}

std::string Endpoint(const std::string& address, uint32_t port) {
  return IsIpv6(address) ? absl::StrCat("[", address, "]:", port)
                         : absl::StrCat(address, ":", port);
}

// Reports the second and later uses of a name, pointing back at the first.
class UniqueNames {
 public:
  // Returns the location of the first use when `name` was seen before.
  const v1::SourceLocation* Add(const std::string& name, const v1::SourceLocation& at) {
    auto [it, inserted] = seen_.emplace(name, at);
    return inserted ? nullptr : &it->second;
  }

 private:
  std::map<std::string, v1::SourceLocation> seen_;
};

}  // namespace

void ConfigValidator::Error(const v1::SourceLocation& at, std::string_view keyword,
                            const std::string& message) {
  sink_.Error(sink_.FromProto(at), keyword, message);
}

void ConfigValidator::Warning(const v1::SourceLocation& at, std::string_view keyword,
                              const std::string& message) {
  sink_.Warning(sink_.FromProto(at), keyword, message);
}

void ConfigValidator::Validate(v1::Config& config) {
  ValidateVrrp(config);
  ValidateVirtualServers(config);
}

void ConfigValidator::ValidateVrrp(v1::Config& config) {
  const ScriptsByName scripts = DropRepeatedScripts(config);
  const std::vector<std::string_view> instance_names = ValidateInstances(config, scripts);
  ValidateSyncGroups(config, instance_names, scripts);
  auto& sync = *config.mutable_global_defs()->mutable_lvs_sync_daemon();
  if (!sync.vrrp_instance().empty() && std::find(instance_names.begin(), instance_names.end(),
                                                 sync.vrrp_instance()) == instance_names.end()) {
    Warning(config.global_defs().location(), "lvs_sync_daemon",
            absl::StrCat("no vrrp_instance named '", sync.vrrp_instance(),
                         "'; the sync daemon follows no instance (runs as master and backup)"));
    sync.clear_vrrp_instance();
  }
}

ConfigValidator::ScriptsByName ConfigValidator::DropRepeatedScripts(v1::Config& config) {
  ScriptsByName script_at;  // each vrrp_script's first definition
  auto* all_scripts = config.mutable_vrrp_scripts();
  for (int i = 0; i < all_scripts->size();) {
    const v1::VrrpScript& script = all_scripts->Get(i);
    if (auto [first, inserted] = script_at.emplace(script.name(), script.location()); !inserted) {
      // keepalived finds scripts by name, first match: the later block is never used.
      Warning(
          script.location(), "vrrp_script",
          absl::StrCat("'", script.name(), "' is already defined at ",
                       Where(first->second, script.location()), "; this definition is ignored"));
      all_scripts->DeleteSubrange(i, 1);
      continue;
    }
    ++i;
  }
  return script_at;
}

// keepalived drops a track_script entry naming no vrrp_script, with a warning.
void ConfigValidator::DropUnknownTrackScripts(
    google::protobuf::RepeatedPtrField<v1::TrackScript>* tracks, const ScriptsByName& scripts) {
  for (int i = 0; i < tracks->size();) {
    const v1::TrackScript& track = tracks->Get(i);
    std::string message;
    if (auto defined = scripts.find(track.name()); defined != scripts.end()) {
      // keepalived looks the script up while reading the instance: a vrrp_script
      // further down the same file is not found, and the reference is dropped.
      const v1::SourceLocation& at = defined->second;
      if (at.file() != track.location().file() || at.line() < track.location().line()) {
        ++i;
        continue;
      }
      message =
          absl::StrCat("vrrp_script '", track.name(), "' is defined further down (line ", at.line(),
                       "); keepalived does not find it here and drops the "
                       "reference, so does lvs-ha: move the vrrp_script block up");
    } else {
      message = absl::StrCat("no vrrp_script named '", track.name(),
                             "'; the reference is dropped (as keepalived)");
    }
    std::vector<std::string_view> names;  // for "did you mean"
    for (const auto& [name, at] : scripts) names.push_back(name);
    if (auto suggestion = SuggestKeyword(track.name(), names)) {
      absl::StrAppend(&message, "; did you mean '", *suggestion, "'?");
    }
    v1::TextEdit fix;
    fix.set_column(track.location().column());
    fix.set_expect(track.name());
    fix.set_delete_line(true);
    fix.set_reason("keepalived drops a reference to a vrrp_script that does not exist");
    sink_.Warning(sink_.FromProto(track.location()), "track_script", message, std::move(fix));
    tracks->DeleteSubrange(i, 1);
  }
}

std::vector<std::string_view> ConfigValidator::ValidateInstances(v1::Config& config,
                                                                 const ScriptsByName& scripts) {
  UniqueNames instances;
  std::vector<std::string_view> instance_names;
  std::map<std::tuple<std::string, uint32_t, bool>, const v1::VrrpInstance*> vrids;
  std::map<std::string, std::string> vip_owner;  // address/len%dev -> instance
  for (auto& vi : *config.mutable_vrrp_instances()) {
    if (const auto* first = instances.Add(vi.name(), vi.location())) {
      Error(vi.location(), "vrrp_instance",
            absl::StrCat("'", vi.name(), "' is already defined at ", Where(*first, vi.location())));
    }
    instance_names.push_back(vi.name());
    if (vi.virtual_router_id() != 0 && !vi.interface().empty()) {
      auto key = std::make_tuple(vi.interface(), vi.virtual_router_id(), vi.family_inet6());
      auto [it, inserted] = vrids.emplace(key, &vi);
      if (!inserted) {
        Error(vi.virtual_router_id_location(), "virtual_router_id",
              absl::StrCat("VRID ", vi.virtual_router_id(), " is already used on ", vi.interface(),
                           " (", vi.family_inet6() ? "IPv6" : "IPv4", ") by vrrp_instance '",
                           it->second->name(), "' at ",
                           Where(it->second->location(), vi.location())));
      }
    }
    DropUnknownTrackScripts(vi.mutable_track_scripts(), scripts);
    ValidateInstanceSettings(vi);
    for (const auto& vip : vi.virtual_ipaddresses()) {
      const std::string key = absl::StrCat(vip.address(), "/", vip.prefix_len(), "%", vip.dev());
      auto [it, inserted] = vip_owner.emplace(key, vi.name());
      if (!inserted) {
        Error(vip.location(), "virtual_ipaddress",
              absl::StrCat(vip.address(), " on ", vip.dev(), " also belongs to vrrp_instance '",
                           it->second, "'"));
      }
    }
  }
  return instance_names;
}

// What one instance's settings must agree on.
void ConfigValidator::ValidateInstanceSettings(const v1::VrrpInstance& vi) {
  for (const std::string& peer : vi.unicast_peers()) {
    if (IsIpv6(peer) != vi.family_inet6()) {
      Error(vi.location(), "unicast_peer",
            absl::StrCat("peer ", peer, " is not of the instance's address family"));
    }
  }
  if (!vi.unicast_src_ip().empty() && !vi.unicast_peers().empty() &&
      IsIpv6(vi.unicast_src_ip()) != vi.family_inet6()) {
    Error(vi.location(), "unicast_src_ip",
          absl::StrCat(vi.unicast_src_ip(), " is not of the instance's address family"));
  }
  if (vi.nopreempt() && vi.initial_state() == v1::MASTER) {
    Warning(vi.location(), "nopreempt",
            "has no effect with 'state MASTER' (as in keepalived); use state BACKUP");
  }
}

void ConfigValidator::ValidateSyncGroups(v1::Config& config,
                                         const std::vector<std::string_view>& instance_names,
                                         const ScriptsByName& scripts) {
  std::map<std::string, std::string> instance_group;
  UniqueNames groups;
  for (auto& group : *config.mutable_vrrp_sync_groups()) {
    if (const auto* first = groups.Add(group.name(), group.location())) {
      Error(group.location(), "vrrp_sync_group",
            absl::StrCat("'", group.name(), "' is already defined at ",
                         Where(*first, group.location())));
    }
    for (int i = 0; i < group.instances_size(); ++i) {
      const std::string& name = group.instances(i);
      const v1::SourceLocation& at =
          i < group.instance_locations_size() ? group.instance_locations(i) : group.location();
      if (std::find(instance_names.begin(), instance_names.end(), name) == instance_names.end()) {
        // keepalived: "doesn't exist - ignoring".
        std::string message =
            absl::StrCat("no vrrp_instance named '", name, "'; ignored (as keepalived)");
        if (auto suggestion = SuggestKeyword(name, instance_names)) {
          absl::StrAppend(&message, "; did you mean '", *suggestion, "'?");
        }
        Warning(at, "group", message);
        group.mutable_instances()->DeleteSubrange(i, 1);
        if (i < group.instance_locations_size()) {
          group.mutable_instance_locations()->DeleteSubrange(i, 1);
        }
        --i;
        continue;
      }
      auto [it, inserted] = instance_group.emplace(name, group.name());
      if (!inserted) {
        Error(
            at, "group",
            absl::StrCat("vrrp_instance '", name, "' is already in sync group '", it->second, "'"));
      }
    }
    DropUnknownTrackScripts(group.mutable_track_scripts(), scripts);
  }
}

std::vector<std::string_view> ConfigValidator::ValidateVirtualServerGroups(
    const v1::Config& config) {
  UniqueNames groups;
  std::vector<std::string_view> group_names;
  for (const auto& group : config.virtual_server_groups()) {
    if (const auto* first = groups.Add(group.name(), group.location())) {
      Error(group.location(), "virtual_server_group",
            absl::StrCat("'", group.name(), "' is already defined at ",
                         Where(*first, group.location())));
    }
    group_names.push_back(group.name());
    if (group.entries_size() == 0) {
      Warning(group.location(), "virtual_server_group",
              absl::StrCat("'", group.name(), "' is empty"));
    }
  }
  return group_names;
}

void ConfigValidator::ValidateVirtualServers(const v1::Config& config) {
  const std::vector<std::string_view> group_names = ValidateVirtualServerGroups(config);
  std::map<std::string, v1::SourceLocation> services;
  for (const auto& vs : config.virtual_servers()) {
    std::string key;
    if (!vs.group().empty()) {
      key = absl::StrCat("group ", vs.group(), " ", ProtocolName(vs.protocol()));
      if (std::find(group_names.begin(), group_names.end(), vs.group()) == group_names.end()) {
        std::string message = absl::StrCat("no virtual_server_group named '", vs.group(), "'");
        if (auto suggestion = SuggestKeyword(vs.group(), group_names)) {
          absl::StrAppend(&message, "; did you mean '", *suggestion, "'?");
        }
        Error(vs.location(), "virtual_server", message);
      }
    } else if (vs.fwmark() != 0) {
      key = absl::StrCat("fwmark ", vs.fwmark(), vs.ipv6() ? " inet6" : "");
    } else if (!vs.address().empty()) {
      key = absl::StrCat(ProtocolName(vs.protocol()), " ", Endpoint(vs.address(), vs.port()));
    } else {
      continue;  // the header was wrong, already reported
    }
    if (auto [it, inserted] = services.emplace(key, vs.location()); !inserted) {
      Error(vs.location(), "virtual_server",
            absl::StrCat(key, " is already defined at ", Where(it->second, vs.location())));
    }
    ValidateRealServers(vs);
    if (vs.real_servers_size() == 0 && !vs.has_sorry_server()) {
      Warning(vs.location(), "virtual_server", "has no real_server");
    }
  }
}

void ConfigValidator::ValidateRealServers(const v1::VirtualServer& vs) {
  std::map<std::string, v1::SourceLocation> reals;
  for (const auto& rs : vs.real_servers()) {
    if (rs.address().empty()) continue;
    // keepalived's check_data.c: IPVS forwards DR and TUN to the virtual server's
    // port (none for a fwmark service); a real server's own port then serves its
    // checks only.
    uint32_t ipvs_port = rs.port();
    if (rs.lb_kind() != v1::NAT && vs.fwmark() != 0 && rs.port() != 0) {
      ipvs_port = 0;
      Warning(rs.location(), "real_server",
              absl::StrCat("a fwmark service forwards DR/TUN without a port: IPVS gets ",
                           Endpoint(rs.address(), 0), ", port ", rs.port(),
                           " is for its checks (as keepalived)"));
    } else if (rs.lb_kind() != v1::NAT && !vs.address().empty() && rs.port() != 0 &&
               rs.port() != vs.port()) {
      ipvs_port = vs.port();
      Warning(rs.location(), "real_server",
              absl::StrCat("DR/TUN cannot change the port: IPVS gets ",
                           Endpoint(rs.address(), vs.port()), ", port ", rs.port(),
                           " is for its checks (as keepalived)"));
    }
    const std::string endpoint = Endpoint(rs.address(), ipvs_port);
    if (auto [it, inserted] = reals.emplace(endpoint, rs.location()); !inserted) {
      Error(rs.location(), "real_server",
            absl::StrCat(endpoint, " is already a real server of this virtual server (",
                         Where(it->second, rs.location()), ")"));
    }
    if (!vs.address().empty() && rs.lb_kind() != v1::TUN && IsIpv6(rs.address()) != vs.ipv6()) {
      Error(rs.location(), "real_server",
            absl::StrCat(rs.address(), " is ", IsIpv6(rs.address()) ? "IPv6" : "IPv4",
                         " but the virtual server is ", vs.ipv6() ? "IPv6" : "IPv4",
                         " (only TUN may mix families)"));
    }
    if (rs.port() == 0 && vs.fwmark() == 0 && vs.group().empty() && rs.lb_kind() == v1::NAT) {
      Warning(rs.location(), "real_server",
              "a NAT real server without a port: the kernel keeps each packet's destination "
              "port");
    }
  }
}

}  // namespace lvs::config
