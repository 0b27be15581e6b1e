#include "services/checkd/socket_checker.h"

#include <sys/epoll.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"

namespace lvs::checkd {

bool SocketChecker::Open(int type, bool reset_on_close, uint32_t events) {
  Connecting c = StartConnect(spec_, type, reset_on_close);
  fd_ = c.fd;
  connected_ = false;
  if (fd_ < 0) {
    Finish(c.local ? CheckOutcome::LocalError(DescribeConnectError(c.err)) : ConnectFailure(c.err));
    return false;
  }
  connected_ = c.done;
  if (auto s = loop_->AddFd(fd_, events, [this](uint32_t ev) { OnEvents(ev); }); !s.ok()) {
    Finish(CheckOutcome::LocalError(std::string(s.message())));
    return false;
  }
  return true;
}

bool SocketChecker::CompleteConnect() {
  bool pending = false;
  if (int err = FinishConnect(fd_, &pending); err != 0) {
    Failed(CheckOutcome::Down(DescribeConnectError(err)));
    return false;
  }
  if (pending) return false;
  connected_ = true;
  return true;
}

void SocketChecker::Arm(std::function<void()> on_timeout) {
  if (timer_ != 0) loop_->CancelTimer(timer_);
  timer_ = loop_->AddTimer(spec_.connect_timeout, [this, on_timeout = std::move(on_timeout)] {
    timer_ = 0;
    on_timeout();
  });
}

void SocketChecker::ArmWaiting(std::string what) {
  Arm([this, what = std::move(what)] {
    std::string reason = NoAnswerIn(spec_.connect_timeout);
    if (!what.empty()) absl::StrAppend(&reason, " (waiting for the ", what, ")");
    Failed(CheckOutcome::Down(reason));
  });
}

bool SocketChecker::AwaitAnswer(uint32_t events, std::string what) {
  Watch(EPOLLIN);
  if (fd_ < 0) return false;
  ArmWaiting(std::move(what));
  return (events & EPOLLIN) != 0;
}

void SocketChecker::Watch(uint32_t events) {
  if (auto s = loop_->ModifyFd(fd_, events); !s.ok())
    Finish(CheckOutcome::LocalError(std::string(s.message())));
}

void SocketChecker::CloseSocket() {
  if (timer_ != 0) loop_->CancelTimer(timer_);
  timer_ = 0;
  if (fd_ >= 0) {
    loop_->RemoveFd(fd_);
    close(fd_);
    fd_ = -1;
  }
}

void SocketChecker::Finish(CheckOutcome outcome) {
  Done done = std::move(done_);
  Cancel();
  if (done) done(std::move(outcome));
}

void SocketChecker::Cancel() {
  CloseSocket();
  Reset();
  done_ = nullptr;
}

}  // namespace lvs::checkd
