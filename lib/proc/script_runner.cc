#include "lib/proc/script_runner.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include "absl/strings/str_join.h"

namespace lvs::proc {

ScriptRunner::~ScriptRunner() {
  for (auto& c : children_) {
    loop_.RemoveFd(c->pidfd);
    loop_.CancelTimer(c->timeout_timer);
    close(c->pidfd);
  }
}

void ScriptRunner::Run(const std::vector<std::string>& argv,
                       const std::optional<Credentials>& run_as, absl::Duration timeout,
                       Done done) {
  if (argv.empty()) {
    if (done) done(-1);
    return;
  }
  const std::string what = absl::StrJoin(argv, " ");
  auto spawned = proc::Spawn(argv, run_as);
  if (!spawned.ok()) {
    log_->warn("cannot run {}: {}", what, std::string(spawned.status().message()));
    if (done) done(-1);
    return;
  }
  const pid_t pid = spawned->pid;
  const int pidfd = spawned->pidfd;
  auto child = std::make_unique<Child>(Child{pid, pidfd, what, std::move(done)});
  if (timeout > absl::ZeroDuration()) {
    child->timeout_timer = loop_.AddTimer(timeout, [this, pid, what] {
      log_->warn("{} timed out; killing it", what);
      kill(-pid, SIGKILL);  // its session: whatever it started goes too
    });
  }
  log_->debug("running {} (pid {})", what, pid);
  children_.push_back(std::move(child));
  auto added = loop_.AddFd(pidfd, EPOLLIN, [this, pid](uint32_t) { Reap(pid); });
  if (!added.ok()) log_->warn("cannot watch {}: {}", what, added.ToString());
}

void ScriptRunner::Reap(int pid) {
  auto it = std::find_if(children_.begin(), children_.end(),
                         [pid](const auto& c) { return c->pid == pid; });
  if (it == children_.end()) return;
  std::unique_ptr<Child> child = std::move(*it);
  children_.erase(it);
  loop_.RemoveFd(child->pidfd);
  loop_.CancelTimer(child->timeout_timer);
  close(child->pidfd);
  int status = 0;
  waitpid(pid, &status, 0);
  const int code = proc::ExitCode(status);
  log_->debug("{} exited with {}", child->what, code);
  if (child->done) child->done(code);
}

}  // namespace lvs::proc
