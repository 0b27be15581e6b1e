#include "services/checkd/datagram_checker.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace lvs::checkd {

void DatagramChecker::Start(Done done) {
  done_ = std::move(done);
  if (!Open(SOCK_DGRAM, false, EPOLLIN)) return;
  const std::string request = exchange_->Request();
  if (send(fd_, request.data(), request.size(), 0) < 0) return Finish(ConnectFailure(errno));
  Arm([this] { Finish(exchange_->OnSilence(spec_.connect_timeout)); });
}

void DatagramChecker::OnEvents(uint32_t) {
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
    if (len > buf.size())
      reply.resize(len);  // length counts; bytes past the buffer are zeros, never compared
    if (auto verdict = exchange_->Judge(reply)) return Finish(*std::move(verdict));
  }
}

}  // namespace lvs::checkd
