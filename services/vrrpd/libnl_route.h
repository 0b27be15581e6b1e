// What VipManager and VmacManager share of libnl: the rtnetlink socket they change
// addresses and links through, and the address objects they hand it.
#pragma once

#include <linux/netlink.h>
#include <netlink/addr.h>
#include <netlink/errno.h>
#include <netlink/socket.h>

#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace lvs::vrrp {

// A libnl socket connected to rtnetlink; the caller frees it with nl_socket_free.
inline absl::StatusOr<nl_sock*> ConnectRtnetlink() {
  nl_sock* sock = nl_socket_alloc();
  if (sock == nullptr) return absl::ResourceExhaustedError("nl_socket_alloc");
  if (int err = nl_connect(sock, NETLINK_ROUTE); err < 0) {
    nl_socket_free(sock);
    return absl::UnavailableError(absl::StrCat("rtnetlink: ", nl_geterror(err)));
  }
  return sock;
}

struct NlAddrDeleter {
  void operator()(nl_addr* a) const { nl_addr_put(a); }
};
using NlAddrPtr = std::unique_ptr<nl_addr, NlAddrDeleter>;

}  // namespace lvs::vrrp
