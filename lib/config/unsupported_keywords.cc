#include "lib/config/unsupported_keywords.h"

#include <algorithm>

namespace lvs::config {
namespace {

using S = Section;

// Keep in step with UNSUPPORTED.md.
constexpr UnsupportedKeyword kUnsupported[] = {
    // Top level.
    {S::kTop, "namespace_with_ipsets"},
    {S::kTop, "linkbeat_use_polling"},
    {S::kTop, "child_wait_time"},
    {S::kTop, "linkbeat_interfaces"},
    {S::kTop, "interface_up_down_delays"},
    {S::kTop, "track_group"},
    {S::kTop, "static_ipaddress"},
    {S::kTop, "static_routes"},
    {S::kTop, "static_rules"},
    {S::kTop, "bfd_instance"},
    {S::kTop, "track_process"},
    {S::kTop, "vrrp_track_process"},
    {S::kTop, "garp_group"},
    // global_defs.
    {S::kGlobalDefs, "tmp_config_directory"},
    {S::kGlobalDefs, "config_save_dir"},
    {S::kGlobalDefs, "checker_log_all_failures"},
    {S::kGlobalDefs, "vrrp_mcast_group4"},
    {S::kGlobalDefs, "vrrp_mcast_group6"},
    {S::kGlobalDefs, "default_interface"},
    {S::kGlobalDefs, "vrrp_garp_extra_if"},
    {S::kGlobalDefs, "nftables_ipvs"},
    {S::kGlobalDefs, "nftables_ipvs_priority"},
    {S::kGlobalDefs, "nftables_ipvs_start_fwmark"},
    {S::kGlobalDefs, "disable_local_igmp"},
    {S::kGlobalDefs, "vrrp_notify_priority_changes"},
    {S::kGlobalDefs, "max_auto_priority"},
    {S::kGlobalDefs, "min_auto_priority_delay"},
    {S::kGlobalDefs, "snmp_socket"},
    {S::kGlobalDefs, "enable_snmp_vrrp"},
    {S::kGlobalDefs, "enable_snmp_checker"},
    {S::kGlobalDefs, "enable_snmp_rfc"},
    {S::kGlobalDefs, "enable_snmp_rfcv2"},
    {S::kGlobalDefs, "enable_snmp_rfcv3"},
    {S::kGlobalDefs, "enable_traps"},
    {S::kGlobalDefs, "enable_dbus"},
    {S::kGlobalDefs, "dbus_service_name"},
    {S::kGlobalDefs, "fifo_write_vrrp_states_on_reload"},
    {S::kGlobalDefs, "dynamic_interfaces"},
    {S::kGlobalDefs, "vrrp_netlink_cmd_rcv_bufs"},
    {S::kGlobalDefs, "vrrp_netlink_cmd_rcv_bufs_force"},
    {S::kGlobalDefs, "vrrp_netlink_monitor_rcv_bufs"},
    {S::kGlobalDefs, "vrrp_netlink_monitor_rcv_bufs_force"},
    {S::kGlobalDefs, "lvs_netlink_cmd_rcv_bufs"},
    {S::kGlobalDefs, "lvs_netlink_cmd_rcv_bufs_force"},
    {S::kGlobalDefs, "lvs_netlink_monitor_rcv_bufs"},
    {S::kGlobalDefs, "lvs_netlink_monitor_rcv_bufs_force"},
    {S::kGlobalDefs, "process_monitor_rcv_bufs"},
    {S::kGlobalDefs, "process_monitor_rcv_bufs_force"},
    {S::kGlobalDefs, "vrrp_rx_bufs_policy"},
    {S::kGlobalDefs, "vrrp_rx_bufs_multiplier"},
    {S::kGlobalDefs, "rs_init_notifies"},
    {S::kGlobalDefs, "vrrp_startup_delay"},
    {S::kGlobalDefs, "log_unknown_vrids"},
    {S::kGlobalDefs, "vmac_prefix"},
    {S::kGlobalDefs, "vmac_addr_prefix"},
    {S::kGlobalDefs, "random_seed"},
    {S::kGlobalDefs, "reload_check_config"},
    {S::kGlobalDefs, "include_check"},
    {S::kGlobalDefs, "reload_time_file"},
    {S::kGlobalDefs, "reload_repeat"},
    {S::kGlobalDefs, "reload_file"},
    {S::kGlobalDefs, "data_use_instance"},
    {S::kGlobalDefs, "linkbeat_use_polling"},
    {S::kGlobalDefs, "use_symlink_paths"},
    {S::kGlobalDefs, "set_supplementary_groups"},
    {S::kGlobalDefs, "v3_checksum_as_v2"},
    {S::kGlobalDefs, "vrrp_vmac_garp_intvl"},
    {S::kGlobalDefs, "enable_snmp_keepalived"},
    {S::kGlobalDefs, "snmp_vs_stats_update_interval"},
    {S::kGlobalDefs, "snmp_rs_stats_update_interval"},
    {S::kGlobalDefs, "dbus_no_interface_name"},
    {S::kGlobalDefs, "vrrp_delay_after_boot"},
    {S::kGlobalDefs, "vrrp_owner_ignore_adverts"},
    {S::kGlobalDefs, "json_version"},
    {S::kGlobalDefs, "iproute_usr_dir"},
    {S::kGlobalDefs, "iproute_etc_dir"},
    {S::kGlobalDefs, "state_dump_file"},
    {S::kGlobalDefs, "stats_dump_file"},
    {S::kGlobalDefs, "json_dump_file"},
    // vrrp_sync_group.
    {S::kVrrpSyncGroup, "track_file"},
    {S::kVrrpSyncGroup, "track_process"},
    {S::kVrrpSyncGroup, "track_bfd"},
    {S::kVrrpSyncGroup, "notify_deleted"},
    {S::kVrrpSyncGroup, "notify_priority_changes"},
    {S::kVrrpSyncGroup, "global_tracking"},
    {S::kVrrpSyncGroup, "sync_group_tracking_weight"},
    // vrrp_instance.
    {S::kVrrpInstance, "vrf"},
    {S::kVrrpInstance, "use_vmac_addr"},
    {S::kVrrpInstance, "vmac_xmit_base"},
    {S::kVrrpInstance, "use_ipvlan"},
    {S::kVrrpInstance, "native_ipv6"},
    {S::kVrrpInstance, "track_process"},
    {S::kVrrpInstance, "track_bfd"},
    {S::kVrrpInstance, "mcast_dst_ip"},
    {S::kVrrpInstance, "track_src_ip"},
    {S::kVrrpInstance, "unicast_fault_no_peer"},
    {S::kVrrpInstance, "unicast_ttl"},
    {S::kVrrpInstance, "old_unicast_checksum"},
    {S::kVrrpInstance, "garp_extra_if"},
    {S::kVrrpInstance, "virtual_routes"},
    {S::kVrrpInstance, "virtual_rules"},
    {S::kVrrpInstance, "debug"},
    {S::kVrrpInstance, "notify_priority_changes"},
    {S::kVrrpInstance, "notify_deleted"},
    {S::kVrrpInstance, "kernel_rx_buf_size"},
    {S::kVrrpInstance, "linkbeat_use_polling"},
    {S::kVrrpInstance, "v3_checksum_as_v2"},
    {S::kVrrpInstance, "timer_expired_backup"},
    {S::kVrrpInstance, "thread_timer_expired"},
    {S::kVrrpInstance, "vmac_garp_intvl"},
    {S::kVrrpInstance, "owner_ignore_adverts"},
    {S::kVrrpInstance, "auth_hmac"},
    // Options of a virtual_ipaddress entry.
    {S::kVirtualIpOption, "use_vmac"},
    {S::kVirtualIpOption, "peer"},
    {S::kVirtualIpOption, "home"},
    {S::kVirtualIpOption, "-nodad"},
    {S::kVirtualIpOption, "mngtmpaddr"},
    {S::kVirtualIpOption, "noprefixroute"},
    {S::kVirtualIpOption, "autojoin"},
    {S::kVirtualIpOption, "no_track"},
    {S::kVirtualIpOption, "preferred_lft"},
    // virtual_server.
    {S::kVirtualServer, "snmp_name"},
    {S::kVirtualServer, "hashed"},
    {S::kVirtualServer, "weight"},
    // real_server.
    {S::kRealServer, "snmp_name"},
    {S::kRealServer, "BFD_CHECK"},
    // Options of every checker.
    {S::kChecker, "log_all_failures"},
};

}  // namespace

std::string SectionName(Section section) {
  switch (section) {
    case S::kTop: return "top level";
    case S::kGlobalDefs: return "global_defs";
    case S::kVrrpScript: return "vrrp_script";
    case S::kVrrpSyncGroup: return "vrrp_sync_group";
    case S::kVrrpInstance: return "vrrp_instance";
    case S::kAuthentication: return "authentication";
    case S::kVirtualIpOption: return "virtual_ipaddress entry";
    case S::kVirtualServerGroup: return "virtual_server_group";
    case S::kVirtualServer: return "virtual_server";
    case S::kRealServer: return "real_server";
    case S::kChecker: return "TCP_CHECK";
    case S::kHttpCheck: return "HTTP_GET/SSL_GET";
    case S::kMiscCheck: return "MISC_CHECK";
    case S::kUrl: return "url";
    case S::kPingCheck: return "PING_CHECK";
    case S::kUdpCheck: return "UDP_CHECK";
    case S::kDnsCheck: return "DNS_CHECK";
    case S::kSmtpCheck: return "SMTP_CHECK";
    case S::kSmtpHost: return "SMTP_CHECK host";
    case S::kFileCheck: return "FILE_CHECK";
    case S::kTrackFile: return "track_file";
    case S::kSsl: return "SSL";
  }
  return "";
}

bool TakesCommonCheckerOptions(Section section) {
  switch (section) {
    case S::kHttpCheck:
    case S::kMiscCheck:
    case S::kPingCheck:
    case S::kUdpCheck:
    case S::kDnsCheck:
    case S::kSmtpCheck:
    case S::kSmtpHost: return true;
    default: return false;
  }
}

constexpr ObsoleteKeyword kObsolete[] = {
    {S::kVirtualServer, "nat_mask", "dropped by keepalived long ago (the kernel needs no NAT mask)",
     ""},
    {S::kRealServer, "nat_mask", "dropped by keepalived long ago (the kernel needs no NAT mask)",
     ""},
    {S::kGlobalDefs, "lvs_id", "keepalived 1.1's name for router_id, no longer read", "router_id"},
    {S::kGlobalDefs, "lvs_sync_daemon_interface",
     "replaced by lvs_sync_daemon IFACE INSTANCE in keepalived 1.2.20", "lvs_sync_daemon"},
};

std::span<const UnsupportedKeyword> UnsupportedKeywords() { return kUnsupported; }

std::optional<ObsoleteKeyword> Obsolete(Section section, std::string_view name) {
  for (const ObsoleteKeyword& k : kObsolete) {
    if (k.section == section && k.name == name) return k;
  }
  return std::nullopt;
}

std::optional<std::string_view> ForkFeature(std::string_view name) {
  if (name == "local_address_group" || name == "laddr_group_name") {
    return "a DPVS (keepalived fork) FNAT local address group";
  }
  if (name == "syn_proxy") return "DPVS (keepalived fork) SYN proxy";
  return std::nullopt;
}

bool IsUnsupported(Section section, std::string_view name) {
  return std::any_of(
      std::begin(kUnsupported), std::end(kUnsupported),
      [&](const UnsupportedKeyword& k) { return k.section == section && k.name == name; });
}

std::vector<std::string_view> UnsupportedNames(Section section) {
  std::vector<std::string_view> out;
  for (const UnsupportedKeyword& k : kUnsupported) {
    if (k.section == section) out.push_back(k.name);
  }
  return out;
}

}  // namespace lvs::config
