#include "services/checkd/socket_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <optional>

#include "services/checkd/target_spec.h"

namespace lvs::checkd {

SocketAddress MakeSocketAddress(const std::string& ip, uint16_t port) {
  const std::optional<net::IpAddress> parsed = net::IpAddress::Parse(ip);
  return parsed ? SocketAddress::From(*parsed, port) : SocketAddress{};
}

Connecting StartConnect(const CheckerSpec& spec, int type, bool reset_on_close) {
  Connecting c;
  SocketAddress dst = MakeSocketAddress(spec.connect_ip, spec.connect_port);
  const int proto = type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
  c.fd = socket(dst.family(), type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
  if (c.fd < 0) {
    c.err = errno;
    return c;
  }
  auto fail = [&c](bool local) {
    c.err = errno;
    c.local = local;
    close(c.fd);
    c.fd = -1;
    return c;
  };
  if (type == SOCK_STREAM && reset_on_close) {
    linger lg{1, 0};
    setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  }
  // keepalived's fwmark and bind_if: the probe leaves as the VIP's traffic would.
  if (spec.fwmark != 0) {
    const uint32_t mark = spec.fwmark;
    if (setsockopt(c.fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) < 0) return fail(true);
  }
  if (!spec.bind_if.empty() && setsockopt(c.fd, SOL_SOCKET, SO_BINDTODEVICE, spec.bind_if.c_str(),
                                          static_cast<socklen_t>(spec.bind_if.size())) < 0) {
    return fail(true);
  }
  if (!spec.bindto.empty() || spec.bind_port != 0) {
    std::string src =
        spec.bindto.empty() ? (dst.family() == AF_INET6 ? "::" : "0.0.0.0") : spec.bindto;
    SocketAddress from = MakeSocketAddress(src, spec.bind_port);
    int one = 1;
    setsockopt(c.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(c.fd, from.get(), from.len) < 0) return fail(true);
  }
  if (connect(c.fd, dst.get(), dst.len) == 0) {
    c.done = true;
    return c;
  }
  if (errno != EINPROGRESS) return fail(false);
  return c;
}

int FinishConnect(int fd, bool* pending) {
  *pending = false;
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
  if (err != 0) return err;
  sockaddr_storage peer;
  socklen_t plen = sizeof peer;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &plen) < 0) {
    if (errno == ENOTCONN) *pending = true;
    return *pending ? 0 : errno;
  }
  return 0;
}

}  // namespace lvs::checkd
