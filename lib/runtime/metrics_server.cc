#include "lib/runtime/metrics_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "lib/net/socket_address.h"

namespace lvs::runtime {
namespace {

constexpr size_t kMaxRequest = 8192;

absl::StatusOr<sockaddr_storage> ParseListen(const std::string& listen, socklen_t* len) {
  std::string host, port_text;
  if (!listen.empty() && listen[0] == '[') {
    auto close = listen.find("]:");
    if (close == std::string::npos)
      return absl::InvalidArgumentError(
          absl::StrCat("--metrics-listen '", listen, "': expected [ADDR]:PORT"));
    host = listen.substr(1, close - 1);
    port_text = listen.substr(close + 2);
  } else {
    auto colon = listen.rfind(':');
    if (colon == std::string::npos)
      return absl::InvalidArgumentError(
          absl::StrCat("--metrics-listen '", listen, "': expected HOST:PORT"));
    host = listen.substr(0, colon);
    port_text = listen.substr(colon + 1);
  }
  int port;
  if (!absl::SimpleAtoi(port_text, &port) || port < 0 || port > 65535)
    return absl::InvalidArgumentError(absl::StrCat("--metrics-listen '", listen, "': bad port"));
  const std::optional<net::IpAddress> ip = net::IpAddress::Parse(host);
  if (!ip) {
    return absl::InvalidArgumentError(
        absl::StrCat("--metrics-listen '", listen, "': '", host, "' is not an IP address"));
  }
  const net::SocketAddress address = net::SocketAddress::From(*ip, port);
  *len = address.len;
  return address.storage;
}

}  // namespace

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(event::EventLoop& loop,
                                                                    const std::string& listen,
                                                                    Render render) {
  socklen_t len = 0;
  auto addr = ParseListen(listen, &len);
  if (!addr.ok()) return addr.status();
  int fd = socket(addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("metrics socket: ", std::strerror(errno)));
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, reinterpret_cast<sockaddr*>(&*addr), len) < 0 || ::listen(fd, 16) < 0) {
    int err = errno;
    close(fd);
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on ", listen, ": ", std::strerror(err)));
  }
  sockaddr_storage bound{};
  socklen_t blen = sizeof bound;
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &blen);
  int port = ntohs(bound.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&bound)->sin_port
                                              : reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
  auto server =
      std::unique_ptr<MetricsServer>(new MetricsServer(loop, fd, port, std::move(render)));
  MetricsServer* self = server.get();
  if (auto s = loop.AddFd(fd, EPOLLIN, [self](uint32_t) { self->Accept(); }); !s.ok()) return s;
  return server;
}

MetricsServer::~MetricsServer() {
  while (!conns_.empty()) Close(conns_.begin()->first);
  loop_.RemoveFd(listen_fd_);
  close(listen_fd_);
}

void MetricsServer::Accept() {
  for (;;) {
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    Conn& c = conns_[fd];
    // A client that does not finish its request in 5 s is dropped.
    c.deadline = loop_.AddTimer(absl::Seconds(5), [this, fd] {
      conns_[fd].deadline = 0;
      Close(fd);
    });
    if (!loop_.AddFd(fd, EPOLLIN, [this, fd](uint32_t) { OnReadable(fd); }).ok()) Close(fd);
  }
}

void MetricsServer::OnReadable(int fd) {
  Conn& c = conns_[fd];
  char buf[2048];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
      c.in.append(buf, n);
      if (c.in.size() > kMaxRequest) return Close(fd);
      continue;
    }
    if (n == 0) return Close(fd);
    if (errno == EAGAIN) break;
    return Close(fd);
  }
  if (c.in.find("\r\n\r\n") == std::string::npos && c.in.find("\n\n") == std::string::npos) return;
  std::string status = "200 OK", body;
  if (absl::StartsWith(c.in, "GET /metrics ") || absl::StartsWith(c.in, "GET /metrics?")) {
    body = render_();
  } else {
    status = "404 Not Found";
    body = "only GET /metrics is served here\n";
  }
  c.out = absl::StrCat("HTTP/1.1 ", status, "\r\nContent-Type: text/plain; version=0.0.4\r\n",
                       "Content-Length: ", body.size(), "\r\nConnection: close\r\n\r\n", body);
  // Written as the socket drains, so a slow scraper never blocks the loop.
  loop_.RemoveFd(fd);
  if (!loop_.AddFd(fd, EPOLLOUT, [this, fd](uint32_t) { OnWritable(fd); }).ok()) Close(fd);
}

void MetricsServer::OnWritable(int fd) {
  Conn& c = conns_[fd];
  while (c.written < c.out.size()) {
    ssize_t n = write(fd, c.out.data() + c.written, c.out.size() - c.written);
    if (n > 0) {
      c.written += n;
    } else {
      if (n < 0 && errno == EAGAIN) return;
      break;
    }
  }
  Close(fd);
}

void MetricsServer::Close(int fd) {
  auto it = conns_.find(fd);
  if (it == conns_.end()) return;
  if (it->second.deadline) loop_.CancelTimer(it->second.deadline);
  conns_.erase(it);
  loop_.RemoveFd(fd);
  close(fd);
}

}  // namespace lvs::runtime
