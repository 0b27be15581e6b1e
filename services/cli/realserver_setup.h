// What a real server behind an LVS-DR director needs (the reference deployment's
// section 2.2): the VIP on lo as a /32, and the kernel told not to answer ARP for it
// nor to use it as an ARP source, with reverse-path filtering off so replies sourced
// from the VIP are not dropped. `lvsctl realserver up|down` applies or reverses it;
// `lvsctl doctor realserver` reports what is missing. Both read this one table.
#pragma once

#include <string>
#include <vector>

namespace lvs::cli {

struct SysctlSetting {
  std::string name;           // "net.ipv4.conf.lo.arp_ignore"
  std::string dr_value;       // what DR needs
  std::string default_value;  // what `realserver down` restores
  std::string why;
};

const std::vector<SysctlSetting>& RealServerSysctls();
std::string SysctlPath(const std::string& name);  // /proc/sys/net/ipv4/...

// One problem found on a machine, and the command that fixes it.
struct Finding {
  std::string problem;
  std::string fix;
};

// The observed state of a real server, as doctor reads it.
struct RealServerObservation {
  std::string vip;
  bool vip_on_lo = false;
  int vip_prefix_on_lo = 0;  // when present
  bool lo_up = true;
  std::vector<std::pair<std::string, std::string>>
      sysctls;  // name -> current value ("" unreadable)
};

// Pure: every finding for a DR real server, in table order.
std::vector<Finding> CheckRealServer(const RealServerObservation& seen);

}  // namespace lvs::cli
