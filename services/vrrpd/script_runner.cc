#include "services/vrrpd/script_runner.h"

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include "absl/strings/str_join.h"

extern char** environ;

namespace lvs::vrrp {

std::vector<std::string> SplitCommandLine(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool in_word = false;
  char quote = 0;
  for (char c : line) {
    if (quote) {
      if (c == quote) {
        quote = 0;
      } else {
        cur += c;
      }
    } else if (c == '"' || c == '\'') {
      quote = c;
      in_word = true;
    } else if (c == ' ' || c == '\t') {
      if (in_word) out.push_back(std::move(cur));
      cur.clear();
      in_word = false;
    } else {
      cur += c;
      in_word = true;
    }
  }
  if (in_word) out.push_back(std::move(cur));
  return out;
}

ScriptRunner::~ScriptRunner() {
  for (auto& c : children_) {
    loop_.RemoveFd(c->pidfd);
    loop_.CancelTimer(c->timeout_timer);
    close(c->pidfd);
  }
}

void ScriptRunner::Run(std::vector<std::string> argv, absl::Duration timeout, Done done) {
  if (argv.empty()) {
    if (done) done(-1);
    return;
  }
  std::vector<char*> args;
  for (std::string& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  const std::string what = absl::StrJoin(argv, " ");
  pid_t pid;
  if (int err = posix_spawn(&pid, args[0], nullptr, nullptr, args.data(), environ); err != 0) {
    log_->warn("cannot run {}: {}", what, strerror(err));
    if (done) done(-1);
    return;
  }
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    // Without a pidfd the child is still reaped, just synchronously.
    int status = 0;
    waitpid(pid, &status, 0);
    if (done) done(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    return;
  }
  auto child = std::make_unique<Child>(Child{pid, pidfd, what, std::move(done)});
  if (timeout > absl::ZeroDuration()) {
    child->timeout_timer = loop_.AddTimer(timeout, [this, pid, what] {
      log_->warn("{} timed out; killing it", what);
      kill(pid, SIGKILL);
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
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  log_->debug("{} exited with {}", child->what, code);
  if (child->done) child->done(code);
}

}  // namespace lvs::vrrp
