#include "services/checkd/smtp_checker.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "services/checkd/socket_address.h"

namespace lvs::checkd {

void SmtpChecker::Start(Done done) {
  done_ = std::move(done);
  dialogue_ = std::make_unique<SmtpDialogue>(spec_.helo_name);
  connected_ = false;
  Connecting c = StartConnect(spec_, SOCK_STREAM);
  fd_ = c.fd;
  if (fd_ < 0) {
    return Finish(c.local ? CheckOutcome::LocalError(DescribeConnectError(c.err)) : ConnectFailure(c.err));
  }
  if (auto s = loop_->AddFd(fd_, EPOLLOUT | EPOLLIN, [this](uint32_t ev) { OnEvents(ev); }); !s.ok()) {
    return Finish(CheckOutcome::LocalError(std::string(s.message())));
  }
  Arm(nullptr);
}

// One timeout per wait, restarted as each reply arrives.
void SmtpChecker::Arm(const char* what) {
  if (timer_ != 0) loop_->CancelTimer(timer_);
  timer_ = loop_->AddTimer(spec_.connect_timeout, [this, what] {
    timer_ = 0;
    std::string reason = NoAnswerIn(spec_.connect_timeout);
    if (what != nullptr) absl::StrAppend(&reason, " (waiting for the SMTP ", what, ")");
    Finish(CheckOutcome::Down(reason));
  });
}

void SmtpChecker::OnEvents(uint32_t events) {
  if (!connected_) {
    bool pending = false;
    if (int err = FinishConnect(fd_, &pending); err != 0) return Finish(CheckOutcome::Down(DescribeConnectError(err)));
    if (pending) return;
    connected_ = true;
    if (auto s = loop_->ModifyFd(fd_, EPOLLIN); !s.ok()) return Finish(CheckOutcome::LocalError(std::string(s.message())));
    Arm(dialogue_->waiting_for());
    if ((events & EPOLLIN) == 0) return;
  }
  char buf[2048];
  ssize_t n = recv(fd_, buf, sizeof buf, 0);
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return;
    return Finish(CheckOutcome::Down(DescribeConnectError(errno)));
  }
  if (n == 0) return Finish(dialogue_->OnClosed());
  SmtpDialogue::Step step = dialogue_->OnBytes(absl::string_view(buf, static_cast<size_t>(n)));
  if (!step.send.empty()) {
    // A few dozen bytes on a fresh connection: the socket buffer takes them whole.
    if (send(fd_, step.send.data(), step.send.size(), MSG_NOSIGNAL) < 0 && !step.verdict) {
      return Finish(CheckOutcome::Down(DescribeConnectError(errno)));
    }
  }
  if (step.verdict) return Finish(*std::move(step.verdict));
  Arm(dialogue_->waiting_for());
}

void SmtpChecker::Finish(CheckOutcome outcome) {
  Done done = std::move(done_);
  Cancel();
  if (done) done(std::move(outcome));
}

void SmtpChecker::Cancel() {
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
