#include "services/checkd/plain_http_checker.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"

namespace lvs::checkd {

void PlainHttpChecker::Start(Done done) {
  done_ = std::move(done);
  urls_.Restart();
  StartUrl();
}

void PlainHttpChecker::StartUrl() {
  const UrlSpec& url = urls_.current();
  reader_ = std::make_unique<HttpResponseReader>(url);
  request_ = BuildHttpRequest(spec_, url);
  sent_ = 0;
  // Reset on close, as TCP_CHECK: at thousands of checks a second checkd's own
  // TIME_WAIT sockets would otherwise pile up (the server has closed first
  // anyway when the body was read to its end).
  if (!Open(SOCK_STREAM, /*reset_on_close=*/true, EPOLLOUT | EPOLLIN)) return;
  ArmWaiting("");
}

void PlainHttpChecker::OnEvents(uint32_t events) {
  if (!connected() && !CompleteConnect()) return;
  if (sent_ < request_.size()) {
    ssize_t n = send(fd_, request_.data() + sent_, request_.size() - sent_, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN) return UrlDone(CheckOutcome::Down(DescribeConnectError(errno)));
    if (n > 0) sent_ += static_cast<size_t>(n);
    if (sent_ < request_.size()) return;
    if (!AwaitAnswer(events, reader_->waiting_for())) return;
  }
  char buf[16384];
  // A bounded batch per wakeup: a server streaming a large body cannot hold the loop.
  for (int i = 0; i < 4; ++i) {
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) break;
      return UrlDone(CheckOutcome::Down(DescribeConnectError(errno)));
    }
    if (n == 0) return UrlDone(reader_->OnClosed());
    if (auto verdict = reader_->OnBytes(absl::string_view(buf, static_cast<size_t>(n)))) {
      return UrlDone(*std::move(verdict));
    }
  }
  ArmWaiting(reader_->waiting_for());
}

void PlainHttpChecker::UrlDone(CheckOutcome outcome) {
  CloseSocket();
  if (urls_.Next(outcome)) return StartUrl();
  Finish(std::move(outcome));
}

}  // namespace lvs::checkd
