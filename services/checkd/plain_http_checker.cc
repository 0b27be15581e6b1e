#include "services/checkd/plain_http_checker.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"

namespace lvs::checkd {

void PlainHttpChecker::Start(Done done) {
  done_ = std::move(done);
  url_index_ = 0;
  StartUrl();
}

void PlainHttpChecker::StartUrl() {
  const UrlSpec& url = spec_.urls[url_index_];
  reader_ = std::make_unique<HttpResponseReader>(url);
  request_ = BuildHttpRequest(spec_, url);
  sent_ = 0;
  connected_ = false;
  // Reset on close, as TCP_CHECK: at thousands of checks a second checkd's own
  // TIME_WAIT sockets would otherwise pile up (the server has closed first
  // anyway when the body was read to its end).
  if (!Open(SOCK_STREAM, /*reset_on_close=*/true, EPOLLOUT | EPOLLIN, &connected_)) return;
  ArmWaiting("");
}

void PlainHttpChecker::OnEvents(uint32_t events) {
  if (!connected_) {
    bool pending = false;
    if (int err = FinishConnect(fd_, &pending); err != 0) return UrlDone(CheckOutcome::Down(DescribeConnectError(err)));
    if (pending) return;
    connected_ = true;
  }
  if (sent_ < request_.size()) {
    ssize_t n = send(fd_, request_.data() + sent_, request_.size() - sent_, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN) return UrlDone(CheckOutcome::Down(DescribeConnectError(errno)));
    if (n > 0) sent_ += static_cast<size_t>(n);
    if (sent_ < request_.size()) return;
    Watch(EPOLLIN);
    if (fd_ < 0) return;
    ArmWaiting(reader_->waiting_for());
    if ((events & EPOLLIN) == 0) return;
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
  if (outcome.ok && ++url_index_ < spec_.urls.size()) return StartUrl();
  if (!outcome.ok && spec_.urls.size() > 1) {
    outcome.reason = absl::StrCat(outcome.reason, " (", spec_.urls[url_index_].path, ")");
  }
  Finish(std::move(outcome));
}

}  // namespace lvs::checkd
