#include "services/vrrpd/vmac_manager.h"

#include <net/if.h>
#include <netlink/errno.h>
#include <netlink/route/link.h>
#include <netlink/route/link/macvlan.h>
#include <netlink/socket.h>
#include <sys/socket.h>

#include "absl/strings/str_cat.h"
#include "lib/net/sysctl.h"
#include "services/vrrpd/libnl_route.h"

namespace lvs::vrrp {
namespace {

struct LinkDeleter {
  void operator()(rtnl_link* l) const { rtnl_link_put(l); }
};

std::string Ipv4Conf(const std::string& ifname, const char* key) {
  return net::InterfaceSysctl("ipv4", ifname, key);
}

}  // namespace

absl::StatusOr<std::unique_ptr<VmacManager>> VmacManager::Create() {
  auto sock = ConnectRtnetlink();
  if (!sock.ok()) return sock.status();
  return std::unique_ptr<VmacManager>(new VmacManager(*sock));
}

VmacManager::~VmacManager() { nl_socket_free(sock_); }

absl::Status VmacManager::Ensure(const std::string& name, const std::string& base, uint8_t vrid) {
  const int base_index = static_cast<int>(if_nametoindex(base.c_str()));
  if (base_index == 0) return absl::NotFoundError(absl::StrCat("interface ", base, " not found"));
  // A macvlan left by an earlier run is replaced: its settings may differ.
  if (if_nametoindex(name.c_str()) != 0) {
    if (absl::Status s = Remove(name); !s.ok()) return s;
  }
  std::unique_ptr<rtnl_link, LinkDeleter> link(rtnl_link_macvlan_alloc());
  const uint8_t mac[6] = {0x00, 0x00, 0x5e, 0x00, 0x01, vrid};
  NlAddrPtr addr(nl_addr_build(AF_LLC, mac, sizeof(mac)));
  if (!link || !addr) return absl::ResourceExhaustedError("libnl allocation");
  rtnl_link_set_name(link.get(), name.c_str());
  rtnl_link_set_link(link.get(), base_index);
  rtnl_link_set_addr(link.get(), addr.get());
  rtnl_link_macvlan_set_mode(link.get(), rtnl_link_macvlan_str2mode("private"));
  if (int err = rtnl_link_add(sock_, link.get(), NLM_F_CREATE | NLM_F_EXCL); err < 0) {
    return absl::UnavailableError(
        absl::StrCat("create macvlan ", name, " on ", base, ": ", nl_geterror(err)));
  }
  base_of_[name] = base;
  if (!saved_arp_ignore_.count(base)) {
    saved_arp_ignore_[base] = net::ReadSysctl(Ipv4Conf(base, "arp_ignore")).value_or("0");
  }
  for (auto [path, value] : {
           std::pair{net::InterfaceSysctl("ipv6", name, "disable_ipv6"), "1"},
           std::pair{Ipv4Conf(name, "arp_ignore"), "1"},
           std::pair{Ipv4Conf(name, "arp_filter"), "1"},
           std::pair{Ipv4Conf(base, "arp_ignore"), "1"},
       }) {
    if (absl::Status s = net::WriteSysctl(path, value); !s.ok()) return s;
  }
  std::unique_ptr<rtnl_link, LinkDeleter> change(rtnl_link_alloc());
  rtnl_link_set_flags(change.get(), IFF_UP);
  std::unique_ptr<rtnl_link, LinkDeleter> current(rtnl_link_alloc());
  rtnl_link_set_ifindex(current.get(), static_cast<int>(if_nametoindex(name.c_str())));
  if (int err = rtnl_link_change(sock_, current.get(), change.get(), 0); err < 0) {
    return absl::UnavailableError(absl::StrCat("set ", name, " up: ", nl_geterror(err)));
  }
  return absl::OkStatus();
}

absl::Status VmacManager::Remove(const std::string& name) {
  const int index = static_cast<int>(if_nametoindex(name.c_str()));
  if (index != 0) {
    std::unique_ptr<rtnl_link, LinkDeleter> link(rtnl_link_alloc());
    rtnl_link_set_ifindex(link.get(), index);
    if (int err = rtnl_link_delete(sock_, link.get()); err < 0 && err != -NLE_NODEV) {
      return absl::UnavailableError(absl::StrCat("delete ", name, ": ", nl_geterror(err)));
    }
  }
  auto it = base_of_.find(name);
  if (it == base_of_.end()) return absl::OkStatus();
  const std::string base = it->second;
  base_of_.erase(it);
  for (const auto& [vmac, b] : base_of_) {
    if (b == base) return absl::OkStatus();
  }
  if (auto saved = saved_arp_ignore_.find(base); saved != saved_arp_ignore_.end()) {
    (void)net::WriteSysctl(Ipv4Conf(base, "arp_ignore"), saved->second);
    saved_arp_ignore_.erase(saved);
  }
  return absl::OkStatus();
}

}  // namespace lvs::vrrp
