#include "services/cli/realserver_setup.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace lvs::cli {

const std::vector<SysctlSetting>& RealServerSysctls() {
  static const auto* table = new std::vector<SysctlSetting>{
      {"net.ipv4.conf.lo.arp_ignore", "1", "0",
       "answer ARP only for addresses on the asking interface, so the VIP on lo stays silent"},
      {"net.ipv4.conf.lo.arp_announce", "2", "0",
       "never use the VIP as the source of ARP requests"},
      {"net.ipv4.conf.all.arp_ignore", "1", "0",
       "the same for every interface: the kernel uses the larger of all and the interface"},
      {"net.ipv4.conf.all.arp_announce", "2", "0", "the same for every interface"},
      {"net.ipv4.conf.all.rp_filter", "0", "0",
       "replies from the VIP must not be dropped by reverse-path filtering"},
      {"net.ipv4.conf.lo.rp_filter", "0", "0", "the same on lo"},
  };
  return *table;
}

std::string SysctlPath(const std::string& name) {
  return absl::StrCat("/proc/sys/", absl::StrReplaceAll(name, {{".", "/"}}));
}

std::vector<Finding> CheckRealServer(const RealServerObservation& seen) {
  std::vector<Finding> out;
  if (!seen.lo_up) out.push_back({"lo is down", "ip link set lo up"});
  if (!seen.vip_on_lo) {
    out.push_back({absl::StrCat("the VIP ", seen.vip,
                                " is not on lo: this server drops the director's packets"),
                   absl::StrCat("ip addr add ", seen.vip, "/32 dev lo")});
  } else if (seen.vip_prefix_on_lo != 32) {
    out.push_back({absl::StrCat("the VIP is on lo as /", seen.vip_prefix_on_lo,
                                ": a wider prefix makes lo claim neighbours' addresses too"),
                   absl::StrCat("ip addr del ", seen.vip, "/", seen.vip_prefix_on_lo,
                                " dev lo && ip addr add ", seen.vip, "/32 dev lo")});
  }
  for (const auto& setting : RealServerSysctls()) {
    std::string current;
    for (const auto& [name, value] : seen.sysctls)
      if (name == setting.name) current = value;
    if (current == setting.dr_value) continue;
    out.push_back({absl::StrCat(setting.name, " is ", current.empty() ? "unreadable" : current,
                                ", needs ", setting.dr_value, ": ", setting.why),
                   absl::StrCat("sysctl -w ", setting.name, "=", setting.dr_value)});
  }
  return out;
}

}  // namespace lvs::cli
