#include "services/checkd/misc_checker.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace lvs::checkd {
namespace {

constexpr absl::Duration kKillGrace = absl::Seconds(2);

std::string TimedOut(absl::Duration timeout) {
  std::string no_answer = NoAnswerIn(timeout);  // "no answer in 3 s"
  return absl::StrCat("script timed out (", no_answer, ")");
}

}  // namespace

absl::StatusOr<std::unique_ptr<MiscChecker>> MiscChecker::Create(event::EventLoop* loop,
                                                                 const CheckerSpec& spec) {
  // keepalived's rule: the checker's user, else keepalived_script if it exists, else root.
  auto user = spec.misc_user.empty() ? proc::DefaultScriptUser("", "")
                                     : proc::LookupUser(spec.misc_user, spec.misc_group);
  if (!user.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("MISC_CHECK ", user.status().message()));
  }
  std::optional<proc::Credentials> run_as = *user;
  return std::unique_ptr<MiscChecker>(new MiscChecker(loop, spec, std::move(run_as)));
}

MiscChecker::MiscChecker(event::EventLoop* loop, const CheckerSpec& spec,
                         std::optional<proc::Credentials> run_as)
    : loop_(loop), spec_(spec), run_as_(std::move(run_as)) {}

MiscChecker::~MiscChecker() {
  Cancel();
  // Nothing may outlive us holding `this`: kill and reap what is left, now.
  for (auto& c : abandoned_) {
    if (c->timer != 0) loop_->CancelTimer(c->timer);
    loop_->RemoveFd(c->pidfd);
    kill(-c->pid, SIGKILL);
    waitpid(c->pid, nullptr, 0);
    close(c->pidfd);
  }
}

void MiscChecker::Start(Done done) {
  done_ = std::move(done);
  auto child = proc::Spawn(spec_.argv, run_as_);
  if (!child.ok()) return Finish(CheckOutcome::LocalError(std::string(child.status().message())));
  running_.pid = child->pid;
  running_.pidfd = child->pidfd;
  (void)loop_->AddFd(running_.pidfd, EPOLLIN, [this](uint32_t) { OnExit(); });
  running_.timer = loop_->AddTimer(spec_.misc_timeout, [this] {
    running_.timer = 0;
    OnTimeout();
  });
}

void MiscChecker::OnExit() {
  int status = 0;
  if (waitpid(running_.pid, &status, WNOHANG) != running_.pid) return;
  loop_->RemoveFd(running_.pidfd);
  close(running_.pidfd);
  if (running_.timer != 0) loop_->CancelTimer(running_.timer);
  running_ = {};
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
    return Finish(CheckOutcome::Down(absl::StrCat("cannot execute ", spec_.argv.front())));
  }
  Finish(InterpretMiscExit(status, spec_.misc_dynamic));
}

void MiscChecker::OnTimeout() {
  Abandon(running_, SIGTERM);
  running_ = {};
  Finish(CheckOutcome::Down(TimedOut(spec_.misc_timeout)));
}

void MiscChecker::Abandon(Child child, int first_signal) {
  if (child.pid < 0) return;
  if (child.timer != 0) loop_->CancelTimer(child.timer);
  loop_->RemoveFd(child.pidfd);
  kill(-child.pid, first_signal);
  auto c = std::make_unique<Child>(child);
  Child* raw = c.get();
  raw->timer = loop_->AddTimer(kKillGrace, [raw] {
    raw->timer = 0;
    kill(-raw->pid, SIGKILL);
  });
  int pidfd = raw->pidfd;
  (void)loop_->AddFd(pidfd, EPOLLIN, [this, pidfd](uint32_t) { Reap(pidfd); });
  abandoned_.push_back(std::move(c));
}

void MiscChecker::Reap(int pidfd) {
  for (auto it = abandoned_.begin(); it != abandoned_.end(); ++it) {
    Child& c = **it;
    if (c.pidfd != pidfd) continue;
    // The script has exited but is not reaped, so its group id cannot have been
    // reused yet: anything it left behind in the group goes too.
    kill(-c.pid, SIGKILL);
    if (waitpid(c.pid, nullptr, WNOHANG) != c.pid) return;
    if (c.timer != 0) loop_->CancelTimer(c.timer);
    loop_->RemoveFd(c.pidfd);
    close(c.pidfd);
    abandoned_.erase(it);
    return;
  }
}

void MiscChecker::Finish(CheckOutcome outcome) {
  Done done = std::move(done_);
  done_ = nullptr;
  if (done) done(std::move(outcome));
}

void MiscChecker::Cancel() {
  Abandon(running_, SIGKILL);
  running_ = {};
  done_ = nullptr;
}

}  // namespace lvs::checkd
