#include "services/checkd/smtp_checker.h"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <cerrno>

#include "absl/strings/str_cat.h"

namespace lvs::checkd {

void SmtpChecker::Start(Done done) {
  done_ = std::move(done);
  dialogue_ = std::make_unique<SmtpDialogue>(spec_.helo_name);
  // A checker that talks says goodbye properly (FIN, not a reset).
  if (!Open(SOCK_STREAM, /*reset_on_close=*/false, EPOLLOUT | EPOLLIN)) return;
  ArmWaiting("");
}

void SmtpChecker::OnEvents(uint32_t events) {
  if (!connected()) {
    if (!CompleteConnect()) return;
    // The server speaks first.
    if (!AwaitAnswer(events, absl::StrCat("SMTP ", dialogue_->waiting_for()))) return;
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
  ArmWaiting(absl::StrCat("SMTP ", dialogue_->waiting_for()));
}

}  // namespace lvs::checkd
