#include "services/checkd/datagram_checker.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "services/checkd/socket_address.h"

namespace lvs::checkd {

void DatagramChecker::Start(Done done) {
  done_ = std::move(done);
  Connecting c = StartConnect(spec_, SOCK_DGRAM);
  fd_ = c.fd;
  if (fd_ < 0) {
    return Finish(c.local ? CheckOutcome::LocalError(DescribeConnectError(c.err)) : ConnectFailure(c.err));
  }
  const std::string request = exchange_->Request();
  if (send(fd_, request.data(), request.size(), 0) < 0) return Finish(ConnectFailure(errno));
  if (auto s = loop_->AddFd(fd_, EPOLLIN, [this](uint32_t) { OnReadable(); }); !s.ok()) {
    return Finish(CheckOutcome::LocalError(std::string(s.message())));
  }
  timer_ = loop_->AddTimer(spec_.connect_timeout, [this] {
    timer_ = 0;
    Finish(exchange_->OnSilence(spec_.connect_timeout));
  });
}

void DatagramChecker::OnReadable() {
  std::vector<char> buf(receive_size_);
  // A bounded batch: a server spraying datagrams cannot hold the loop.
  for (int i = 0; i < 16; ++i) {
    ssize_t n = recv(fd_, buf.data(), buf.size(), MSG_TRUNC);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      // The ICMP unreachable the connected socket was waiting for.
      return Finish(CheckOutcome::Down(DescribeConnectError(errno)));
    }
    // MSG_TRUNC: n is the datagram's real length, so "too long" is seen as such.
    const size_t len = static_cast<size_t>(n);
    std::string reply(buf.data(), std::min(len, buf.size()));
    if (len > buf.size()) reply.resize(len);  // length counts; bytes past the buffer are zeros, never compared
    if (auto verdict = exchange_->Judge(reply)) return Finish(*std::move(verdict));
  }
}

void DatagramChecker::Finish(CheckOutcome outcome) {
  Done done = std::move(done_);
  Cancel();
  if (done) done(std::move(outcome));
}

void DatagramChecker::Cancel() {
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
