#include "services/checkd/tcp_checker.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "services/checkd/socket_address.h"

namespace lvs::checkd {

TcpChecker::TcpChecker(event::EventLoop* loop, const CheckerSpec& spec)
    : loop_(loop), spec_(spec) {}

void TcpChecker::Start(Done done) {
  done_ = std::move(done);
  Connecting c = StartConnect(spec_, SOCK_STREAM, /*reset_on_close=*/true);
  fd_ = c.fd;
  if (fd_ < 0) {
    return Finish(c.local ? CheckOutcome::LocalError(DescribeConnectError(c.err)) : ConnectFailure(c.err));
  }
  if (c.done) return Finish(CheckOutcome::Up("connected"));
  if (auto s = loop_->AddFd(fd_, EPOLLOUT, [this](uint32_t) { OnWritable(); }); !s.ok()) {
    return Finish(CheckOutcome::LocalError(std::string(s.message())));
  }
  timer_ = loop_->AddTimer(spec_.connect_timeout, [this] {
    timer_ = 0;
    Finish(CheckOutcome::Down(NoAnswerIn(spec_.connect_timeout)));
  });
}

void TcpChecker::OnWritable() {
  bool pending = false;
  if (int err = FinishConnect(fd_, &pending); err != 0) return Finish(CheckOutcome::Down(DescribeConnectError(err)));
  if (pending) return;
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
