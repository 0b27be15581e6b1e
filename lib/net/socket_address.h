// An IP address and port as the socket calls take them (sockaddr_in/_in6 in a
// sockaddr_storage), built from lib/net's IpAddress, so no caller fills sockaddrs by
// hand.
#pragma once

#include <sys/socket.h>

#include <cstdint>

#include "lib/net/ip_address.h"

namespace lvs::net {

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t len = 0;  // 0: not set
  int family() const { return storage.ss_family; }
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }

  static SocketAddress From(const IpAddress& ip, uint16_t port);
};

}  // namespace lvs::net
