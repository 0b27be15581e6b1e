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
    case v1::UDP:
      return "UDP";
    case v1::SCTP:
      return "SCTP";
    default:
      return "TCP";
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
                            std::string message) {
  sink_.Error(sink_.FromProto(at), keyword, std::move(message));
}

void ConfigValidator::Warning(const v1::SourceLocation& at, std::string_view keyword,
                              std::string message) {
  sink_.Warning(sink_.FromProto(at), keyword, std::move(message));
}

void ConfigValidator::Validate(const v1::Config& config) {
  ValidateVrrp(config);
  ValidateVirtualServers(config);
}

void ConfigValidator::ValidateVrrp(const v1::Config& config) {
  UniqueNames scripts;
  std::vector<std::string_view> script_names;
  for (const auto& script : config.vrrp_scripts()) {
    if (const auto* first = scripts.Add(script.name(), script.location())) {
      Error(script.location(), "vrrp_script",
            absl::StrCat("'", script.name(), "' is already defined at ",
                         Where(*first, script.location())));
    }
    script_names.push_back(script.name());
  }
  auto check_track_scripts = [&](const auto& tracks) {
    for (const v1::TrackScript& track : tracks) {
      if (std::find(script_names.begin(), script_names.end(), track.name()) == script_names.end()) {
        std::string message = absl::StrCat("no vrrp_script named '", track.name(), "'");
        if (auto suggestion = SuggestKeyword(track.name(), script_names)) {
          absl::StrAppend(&message, "; did you mean '", *suggestion, "'?");
        }
        Error(track.location(), "track_script", message);
      }
    }
  };

  UniqueNames instances;
  std::vector<std::string_view> instance_names;
  std::map<std::tuple<std::string, uint32_t, bool>, const v1::VrrpInstance*> vrids;
  std::map<std::string, std::string> vip_owner;  // address/len%dev -> instance
  for (const auto& vi : config.vrrp_instances()) {
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
    check_track_scripts(vi.track_scripts());
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

  std::map<std::string, std::string> instance_group;
  UniqueNames groups;
  for (const auto& group : config.vrrp_sync_groups()) {
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
        std::string message = absl::StrCat("no vrrp_instance named '", name, "'");
        if (auto suggestion = SuggestKeyword(name, instance_names)) {
          absl::StrAppend(&message, "; did you mean '", *suggestion, "'?");
        }
        Error(at, "group", message);
        continue;
      }
      auto [it, inserted] = instance_group.emplace(name, group.name());
      if (!inserted) {
        Error(
            at, "group",
            absl::StrCat("vrrp_instance '", name, "' is already in sync group '", it->second, "'"));
      }
    }
    check_track_scripts(group.track_scripts());
  }

  const auto& sync = config.global_defs().lvs_sync_daemon();
  if (!sync.vrrp_instance().empty() && std::find(instance_names.begin(), instance_names.end(),
                                                 sync.vrrp_instance()) == instance_names.end()) {
    Error(config.global_defs().location(), "lvs_sync_daemon",
          absl::StrCat("no vrrp_instance named '", sync.vrrp_instance(), "'"));
  }
}

void ConfigValidator::ValidateVirtualServers(const v1::Config& config) {
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

    std::map<std::string, v1::SourceLocation> reals;
    for (const auto& rs : vs.real_servers()) {
      if (rs.address().empty()) continue;
      const std::string endpoint = Endpoint(rs.address(), rs.port());
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
        Error(rs.location(), "real_server", "a NAT real server needs a port");
      }
    }
    if (vs.real_servers_size() == 0 && !vs.has_sorry_server()) {
      Warning(vs.location(), "virtual_server", "has no real_server");
    }
  }
}

}  // namespace lvs::config
