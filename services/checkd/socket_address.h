// sockaddr from the canonical address text that TargetSpec produced.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>

namespace lvs::checkd {

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t len = 0;
  int family() const { return storage.ss_family; }
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
};

// `ip` must already be valid (TargetSpec checked it); an invalid one gives len 0.
SocketAddress MakeSocketAddress(const std::string& ip, uint16_t port);

}  // namespace lvs::checkd
