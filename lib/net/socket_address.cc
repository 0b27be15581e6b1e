#include "lib/net/socket_address.h"

#include <netinet/in.h>

#include <cstring>

namespace lvs::net {

SocketAddress SocketAddress::From(const IpAddress& ip, uint16_t port) {
  SocketAddress a;
  if (ip.is_v4()) {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&a.storage);
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    std::memcpy(&v4->sin_addr, ip.bytes().data(), 4);
    a.len = sizeof *v4;
  } else {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.storage);
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    std::memcpy(&v6->sin6_addr, ip.bytes().data(), 16);
    a.len = sizeof *v6;
  }
  return a;
}

}  // namespace lvs::net
