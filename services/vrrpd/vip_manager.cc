#include "services/vrrpd/vip_manager.h"

#include <linux/if_addr.h>
#include <net/if.h>
#include <netlink/errno.h>
#include <netlink/route/addr.h>
#include <netlink/route/rtnl.h>
#include <netlink/socket.h>
#include <sys/socket.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "services/vrrpd/libnl_route.h"

namespace lvs::vrrp {
namespace {

struct AddrDeleter {
  void operator()(rtnl_addr* a) const { rtnl_addr_put(a); }
};
NlAddrPtr NlAddr(const net::IpAddress& a, int prefix_len) {
  nl_addr* out = nl_addr_build(a.is_v4() ? AF_INET : AF_INET6, a.bytes().data(), a.size());
  if (out != nullptr) nl_addr_set_prefixlen(out, prefix_len);
  return NlAddrPtr(out);
}

}  // namespace

std::string Vip::ToString() const {
  std::string s = absl::StrCat(address.ToString(), "/", prefix_len, " dev ", dev);
  if (!broadcast.empty()) absl::StrAppend(&s, " brd ", broadcast);
  if (!scope.empty() && scope != "global") absl::StrAppend(&s, " scope ", scope);
  if (!label.empty()) absl::StrAppend(&s, " label ", label);
  if (excluded) absl::StrAppend(&s, " (excluded)");
  return s;
}

absl::StatusOr<std::unique_ptr<VipManager>> VipManager::Create() {
  auto sock = ConnectRtnetlink();
  if (!sock.ok()) return sock.status();
  return std::unique_ptr<VipManager>(new VipManager(*sock));
}

VipManager::~VipManager() { nl_socket_free(sock_); }

absl::Status VipManager::Add(const Vip& vip) { return Change(vip, true); }
absl::Status VipManager::Remove(const Vip& vip) { return Change(vip, false); }

absl::Status VipManager::Change(const Vip& vip, bool add) {
  const int ifindex = static_cast<int>(if_nametoindex(vip.dev.c_str()));
  if (ifindex == 0) return absl::NotFoundError(absl::StrCat("interface ", vip.dev, " not found"));
  std::unique_ptr<rtnl_addr, AddrDeleter> a(rtnl_addr_alloc());
  auto local = NlAddr(vip.address, vip.prefix_len);
  if (!a || !local) return absl::ResourceExhaustedError("libnl allocation");
  rtnl_addr_set_ifindex(a.get(), ifindex);
  rtnl_addr_set_family(a.get(), vip.address.is_v4() ? AF_INET : AF_INET6);
  rtnl_addr_set_local(a.get(), local.get());
  rtnl_addr_set_prefixlen(a.get(), vip.prefix_len);
  if (add) {
    if (!vip.label.empty()) rtnl_addr_set_label(a.get(), vip.label.c_str());
    if (!vip.scope.empty()) {
      const int scope = rtnl_str2scope(vip.scope.c_str());
      if (scope < 0) return absl::InvalidArgumentError(absl::StrCat("unknown scope ", vip.scope));
      rtnl_addr_set_scope(a.get(), scope);
    }
    if (!vip.broadcast.empty()) {
      auto brd = net::IpAddress::Parse(vip.broadcast);
      if (!brd) return absl::InvalidArgumentError(absl::StrCat("bad broadcast ", vip.broadcast));
      auto b = NlAddr(*brd, 32);
      rtnl_addr_set_broadcast(a.get(), b.get());
    }
    // A VIP moving between directors must answer at once: no duplicate detection.
    if (!vip.address.is_v4()) rtnl_addr_set_flags(a.get(), IFA_F_NODAD);
  }
  const int err =
      add ? rtnl_addr_add(sock_, a.get(), NLM_F_REPLACE) : rtnl_addr_delete(sock_, a.get(), 0);
  if (err < 0) {
    if (add && err == -NLE_EXIST) return absl::OkStatus();
    if (!add && (err == -NLE_NOADDR || err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV)) {
      return absl::OkStatus();
    }
    return absl::UnavailableError(
        absl::StrCat(add ? "add " : "remove ", vip.ToString(), ": ", nl_geterror(err)));
  }
  return absl::OkStatus();
}

}  // namespace lvs::vrrp
