#include "services/checkd/tcp_checker.h"

#include <sys/epoll.h>
#include <sys/socket.h>

namespace lvs::checkd {

void TcpChecker::Start(Done done) {
  done_ = std::move(done);
  // Reset on close (see StartConnect): thousands of checks a second leave no TIME_WAIT.
  if (!Open(SOCK_STREAM, /*reset_on_close=*/true, EPOLLOUT)) return;
  if (connected()) return Finish(CheckOutcome::Up("connected"));
  Arm([this] { Finish(CheckOutcome::Down(NoAnswerIn(spec_.connect_timeout))); });
}

void TcpChecker::OnEvents(uint32_t) {
  if (CompleteConnect()) Finish(CheckOutcome::Up("connected"));
}

}  // namespace lvs::checkd
