// sockaddr from the canonical address text that TargetSpec produced, and the
// socket set-up every network checker shares.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>

#include "lib/net/socket_address.h"

namespace lvs::checkd {

struct CheckerSpec;

using net::SocketAddress;

// `ip` must already be valid (TargetSpec checked it); an invalid one gives len 0.
SocketAddress MakeSocketAddress(const std::string& ip, uint16_t port);

// A non-blocking socket of `type` (SOCK_STREAM, SOCK_DGRAM) to the checker's
// connect_ip:connect_port, with its fwmark (SO_MARK) and bind_if
// (SO_BINDTODEVICE), bound to bindto:bind_port when set, connect() started.
// With `reset_on_close` a TCP socket closes with a reset, not FIN: TCP_CHECK at
// thousands of connects per second would otherwise fill the table with its own
// TIME_WAIT sockets. A checker that talks (SMTP) says goodbye properly.
struct Connecting {
  int fd = -1;         // -1: failed, see err
  bool done = false;   // connected at once (always, for a datagram socket)
  int err = 0;         // errno of the step that failed
  bool local = false;  // the failure was binding (a local error, not the server's answer)
};
Connecting StartConnect(const CheckerSpec& spec, int type, bool reset_on_close = false);

// SO_ERROR, then the peer address: connected, or the errno of the failure; 0 with
// *pending set for a readiness event that came before the connect finished (a
// stale one: fd number reused within one epoll batch).
int FinishConnect(int fd, bool* pending);

}  // namespace lvs::checkd
