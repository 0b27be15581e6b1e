#include "services/checkd/tcp_checker.h"

#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "services/checkd/socket_address.h"

namespace lvs::checkd {

TcpChecker::TcpChecker(event::EventLoop* loop, const CheckerSpec& spec)
    : loop_(loop), spec_(spec) {}

void TcpChecker::Start(Done done) {
  done_ = std::move(done);
  SocketAddress dst = MakeSocketAddress(spec_.connect_ip, spec_.connect_port);
  fd_ = socket(dst.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
  if (fd_ < 0) return Finish(ConnectFailure(errno));
  // Close with a reset, not FIN: a checker at thousands of connects per second
  // would otherwise fill the table with its own TIME_WAIT sockets.
  linger lg{1, 0};
  setsockopt(fd_, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  if (!spec_.bindto.empty() || spec_.bind_port != 0) {
    std::string src = spec_.bindto.empty() ? (dst.family() == AF_INET6 ? "::" : "0.0.0.0") : spec_.bindto;
    SocketAddress from = MakeSocketAddress(src, spec_.bind_port);
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd_, from.get(), from.len) < 0) return Finish(CheckOutcome::LocalError(DescribeConnectError(errno)));
  }
  if (connect(fd_, dst.get(), dst.len) == 0) return Finish(CheckOutcome::Up("connected"));
  if (errno != EINPROGRESS) return Finish(ConnectFailure(errno));
  if (auto s = loop_->AddFd(fd_, EPOLLOUT, [this](uint32_t) { OnWritable(); }); !s.ok()) {
    return Finish(CheckOutcome::LocalError(std::string(s.message())));
  }
  timer_ = loop_->AddTimer(spec_.connect_timeout, [this] {
    timer_ = 0;
    Finish(CheckOutcome::Down(NoAnswerIn(spec_.connect_timeout)));
  });
}

void TcpChecker::OnWritable() {
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
  if (err != 0) return Finish(CheckOutcome::Down(DescribeConnectError(err)));
  // A stale readiness event (fd number reused within one epoll batch) must not
  // pass for a connection: only a peer address proves it.
  sockaddr_storage peer;
  socklen_t plen = sizeof peer;
  if (getpeername(fd_, reinterpret_cast<sockaddr*>(&peer), &plen) < 0) {
    if (errno == ENOTCONN) return;
    return Finish(CheckOutcome::Down(DescribeConnectError(errno)));
  }
  Finish(CheckOutcome::Up("connected"));
}

void TcpChecker::Finish(CheckOutcome outcome) {
  Done done = std::move(done_);
  Cancel();
  if (done) done(std::move(outcome));
}

void TcpChecker::Cancel() {
  if (timer_ != 0) loop_->CancelTimer(timer_);
  timer_ = 0;
  if (fd_ >= 0) {
    loop_->RemoveFd(fd_);
    close(fd_);
    fd_ = -1;
  }
  done_ = nullptr;
}

}  // namespace lvs::checkd
