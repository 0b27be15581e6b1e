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

// Through syscall(): Debian 12's <sys/pidfd.h> lacks C linkage for C++ callers.
int PidfdOpen(pid_t pid) { return static_cast<int>(syscall(SYS_pidfd_open, pid, 0)); }

std::string TimedOut(absl::Duration timeout) {
  std::string no_answer = NoAnswerIn(timeout);  // "no answer in 3 s"
  return absl::StrCat("script timed out (", no_answer, ")");
}

}  // namespace

absl::StatusOr<std::unique_ptr<MiscChecker>> MiscChecker::Create(event::EventLoop* loop,
                                                                 const CheckerSpec& spec) {
  uid_t uid = 0;
  gid_t gid = 0;
  if (!spec.misc_user.empty()) {
    passwd pw;
    passwd* found = nullptr;
    char buf[4096];
    if (getpwnam_r(spec.misc_user.c_str(), &pw, buf, sizeof buf, &found) != 0 || found == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("MISC_CHECK user \"", spec.misc_user, "\" does not exist"));
    }
    uid = pw.pw_uid;
    gid = pw.pw_gid;
  }
  return std::unique_ptr<MiscChecker>(new MiscChecker(loop, spec, uid, gid, !spec.misc_user.empty()));
}

MiscChecker::MiscChecker(event::EventLoop* loop, const CheckerSpec& spec, uid_t uid, gid_t gid,
                         bool switch_user)
    : loop_(loop), spec_(spec), uid_(uid), gid_(gid), switch_user_(switch_user) {}

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

absl::StatusOr<pid_t> MiscChecker::Spawn() {
  // Everything the child needs is prepared before fork: after it, in a threaded
  // process, only async-signal-safe calls are allowed.
  std::vector<char*> argv;
  for (const std::string& a : spec_.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull < 0) return absl::InternalError(absl::StrCat("open /dev/null: ", std::strerror(errno)));
  pid_t pid = fork();
  if (pid == 0) {
    setsid();
    // The script gets a clean slate: no signal masked or ignored (exec keeps both),
    // none of checkd's descriptors (curl's sockets are not all close-on-exec).
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction dfl{};
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig) sigaction(sig, &dfl, nullptr);
    dup2(devnull, 0);
    dup2(devnull, 1);
    dup2(devnull, 2);
    syscall(SYS_close_range, 3U, ~0U, 0U);
    if (switch_user_ && (setgid(gid_) != 0 || setgroups(1, &gid_) != 0 || setuid(uid_) != 0)) _exit(126);
    execv(argv[0], argv.data());
    _exit(127);
  }
  int err = errno;
  close(devnull);
  if (pid < 0) return absl::InternalError(absl::StrCat("fork: ", std::strerror(err)));
  return pid;
}

void MiscChecker::Start(Done done) {
  done_ = std::move(done);
  auto pid = Spawn();
  if (!pid.ok()) return Finish(CheckOutcome::LocalError(std::string(pid.status().message())));
  running_.pid = *pid;
  running_.pidfd = PidfdOpen(*pid);
  if (running_.pidfd < 0) {
    kill(-*pid, SIGKILL);
    waitpid(*pid, nullptr, 0);
    running_ = {};
    return Finish(CheckOutcome::LocalError(absl::StrCat("pidfd_open: ", std::strerror(errno))));
  }
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
  raw->timer = loop_->AddTimer(kKillGrace, [this, raw] {
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
