#include "lib/proc/spawn.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace lvs::proc {
namespace {

std::atomic<mode_t> child_umask{S_IXUSR | S_IRWXG | S_IRWXO};

}  // namespace

void SetChildUmask(mode_t mask) { child_umask = mask & 0777; }

absl::StatusOr<Child> Spawn(const std::vector<std::string>& argv,
                            const std::optional<Credentials>& run_as) {
  if (argv.empty()) return absl::InvalidArgumentError("empty command line");
  // Everything the child needs is prepared before fork: after it, in a threaded
  // process, only async-signal-safe calls are allowed.
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull < 0)
    return absl::InternalError(absl::StrCat("open /dev/null: ", std::strerror(errno)));
  const bool switch_user =
      run_as.has_value() && (run_as->uid != getuid() || run_as->gid != getgid());
  const uid_t uid = run_as ? run_as->uid : 0;
  const mode_t mask = child_umask;
  const gid_t gid = run_as ? run_as->gid : 0;
  const pid_t pid = fork();
  if (pid == 0) {
    setsid();
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig) sigaction(sig, &dfl, nullptr);
    umask(mask);
    dup2(devnull, 0);
    dup2(devnull, 1);
    dup2(devnull, 2);
    syscall(SYS_close_range, 3U, ~0U, 0U);
    if (switch_user && (setgroups(1, &gid) != 0 || setgid(gid) != 0 || setuid(uid) != 0))
      _exit(126);
    execv(args[0], args.data());
    _exit(127);
  }
  const int err = errno;
  close(devnull);
  if (pid < 0) return absl::InternalError(absl::StrCat("fork: ", std::strerror(err)));
  // Through syscall(): Debian 12's <sys/pidfd.h> lacks C linkage for C++ callers.
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    const int perr = errno;
    kill(-pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    return absl::InternalError(absl::StrCat("pidfd_open: ", std::strerror(perr)));
  }
  return Child{pid, pidfd};
}

namespace {

// Waits up to `timeout` for the child behind `pidfd` to exit; true when it did.
bool WaitExit(int pidfd, absl::Duration timeout) {
  pollfd p{pidfd, POLLIN, 0};
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    const int64_t left = absl::ToInt64Milliseconds(deadline - absl::Now());
    const int n =
        poll(&p, 1, static_cast<int>(std::max<int64_t>(0, std::min<int64_t>(left, 1 << 30))));
    if (n > 0) return true;
    if (n == 0 || (n < 0 && errno != EINTR)) return false;
  }
}

}  // namespace

absl::StatusOr<int> RunToCompletion(const std::vector<std::string>& argv,
                                    const std::optional<Credentials>& run_as,
                                    absl::Duration timeout) {
  auto child = Spawn(argv, run_as);
  if (!child.ok()) return child.status();
  const bool exited = WaitExit(child->pidfd, timeout);
  if (!exited) {
    kill(-child->pid, SIGTERM);
    if (!WaitExit(child->pidfd, absl::Seconds(1))) kill(-child->pid, SIGKILL);
  }
  int status = 0;
  while (waitpid(child->pid, &status, 0) < 0 && errno == EINTR) {
  }
  close(child->pidfd);
  if (!exited) {
    return absl::DeadlineExceededError(
        absl::StrCat(argv[0], " ran longer than ", absl::FormatDuration(timeout), "; killed"));
  }
  return ExitCode(status);
}

int ExitCode(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return -1;
}

}  // namespace lvs::proc
