#include "services/cli/local_host.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>

#include <fstream>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/cli/realserver_setup.h"

namespace lvs::cli {
namespace {

struct SockDeleter {
  void operator()(nl_sock* s) const { nl_socket_free(s); }
};
using Sock = std::unique_ptr<nl_sock, SockDeleter>;

absl::StatusOr<Sock> RouteSocket() {
  Sock sock(nl_socket_alloc());
  if (!sock) return absl::ResourceExhaustedError("netlink: out of memory");
  if (int err = nl_connect(sock.get(), NETLINK_ROUTE); err < 0)
    return absl::UnavailableError(absl::StrCat("rtnetlink: ", nl_geterror(err)));
  return sock;
}

absl::Status NlStatus(int err, const std::string& what) {
  if (err >= 0) return absl::OkStatus();
  if (err == -NLE_PERM)
    return absl::PermissionDeniedError(
        absl::StrCat(what, ": ", nl_geterror(err), " (run as root)"));
  return absl::InternalError(absl::StrCat(what, ": ", nl_geterror(err)));
}

absl::Status ChangeAddress(bool add, const std::string& ifname, const std::string& address,
                           int prefix_len) {
  auto sock = RouteSocket();
  if (!sock.ok()) return sock.status();
  int ifindex = if_nametoindex(ifname.c_str());
  if (ifindex == 0) return absl::NotFoundError(absl::StrCat("no interface ", ifname));
  nl_addr* local = nullptr;
  std::string text = absl::StrCat(address, "/", prefix_len);
  if (nl_addr_parse(text.c_str(), AF_UNSPEC, &local) < 0)
    return absl::InvalidArgumentError(absl::StrCat("'", address, "' is not an IP address"));
  rtnl_addr* addr = rtnl_addr_alloc();
  rtnl_addr_set_ifindex(addr, ifindex);
  rtnl_addr_set_local(addr, local);
  rtnl_addr_set_prefixlen(addr, prefix_len);
  int err = add ? rtnl_addr_add(sock->get(), addr, NLM_F_REPLACE)
                : rtnl_addr_delete(sock->get(), addr, 0);
  rtnl_addr_put(addr);
  nl_addr_put(local);
  return NlStatus(err, absl::StrCat(add ? "add " : "delete ", text, " on ", ifname));
}

}  // namespace

absl::StatusOr<std::vector<AddressOnLink>> AddressesOn(const std::string& ifname) {
  auto sock = RouteSocket();
  if (!sock.ok()) return sock.status();
  int ifindex = if_nametoindex(ifname.c_str());
  if (ifindex == 0) return absl::NotFoundError(absl::StrCat("no interface ", ifname));
  nl_cache* cache = nullptr;
  if (int err = rtnl_addr_alloc_cache(sock->get(), &cache); err < 0)
    return NlStatus(err, "address dump");
  std::vector<AddressOnLink> out;
  for (nl_object* o = nl_cache_get_first(cache); o != nullptr; o = nl_cache_get_next(o)) {
    auto* a = reinterpret_cast<rtnl_addr*>(o);
    if (rtnl_addr_get_ifindex(a) != ifindex) continue;
    nl_addr* local = rtnl_addr_get_local(a);
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(nl_addr_get_family(local), nl_addr_get_binary_addr(local), buf, sizeof buf);
    const char* label = rtnl_addr_get_label(a);
    out.push_back({buf, rtnl_addr_get_prefixlen(a), label ? label : ""});
  }
  nl_cache_free(cache);
  return out;
}

absl::StatusOr<LinkInfo> Link(const std::string& ifname) {
  auto sock = RouteSocket();
  if (!sock.ok()) return sock.status();
  rtnl_link* link = nullptr;
  LinkInfo info;
  if (rtnl_link_get_kernel(sock->get(), 0, ifname.c_str(), &link) < 0) return info;
  info.exists = true;
  unsigned flags = rtnl_link_get_flags(link);
  info.up = flags & IFF_UP;
  info.multicast = flags & IFF_MULTICAST;
  rtnl_link_put(link);
  return info;
}

absl::Status SetLinkUp(const std::string& ifname) {
  auto sock = RouteSocket();
  if (!sock.ok()) return sock.status();
  rtnl_link* link = nullptr;
  if (rtnl_link_get_kernel(sock->get(), 0, ifname.c_str(), &link) < 0)
    return absl::NotFoundError(absl::StrCat("no interface ", ifname));
  rtnl_link* change = rtnl_link_alloc();
  rtnl_link_set_flags(change, IFF_UP);
  int err = rtnl_link_change(sock->get(), link, change, 0);
  rtnl_link_put(change);
  rtnl_link_put(link);
  return NlStatus(err, absl::StrCat("set ", ifname, " up"));
}

absl::Status AddAddress(const std::string& ifname, const std::string& address, int prefix_len) {
  return ChangeAddress(true, ifname, address, prefix_len);
}

absl::Status DeleteAddress(const std::string& ifname, const std::string& address, int prefix_len) {
  return ChangeAddress(false, ifname, address, prefix_len);
}

std::string ReadSysctl(const std::string& name) {
  std::ifstream in(SysctlPath(name));
  std::string value;
  if (!(in >> value)) return "";
  return value;
}

absl::Status WriteSysctl(const std::string& name, const std::string& value) {
  std::ofstream out(SysctlPath(name));
  if (!(out << value << "\n") || !out.flush())
    return absl::PermissionDeniedError(
        absl::StrCat("cannot set ", name, "=", value, " (run as root)"));
  return absl::OkStatus();
}

bool IpvsAvailable() {
  Sock sock(nl_socket_alloc());
  if (!sock || genl_connect(sock.get()) < 0) return false;
  return genl_ctrl_resolve(sock.get(), "IPVS") >= 0;
}

}  // namespace lvs::cli
