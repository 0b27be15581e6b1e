#include "lib/proc/notify_fifo.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "lib/proc/command_line.h"

namespace lvs::proc {

absl::Status NotifyFifo::Open(const NotifyFifoSpec& spec, ScriptRunner& runner,
                              const absl::StatusOr<Credentials>& default_user) {
  Close();
  spec_ = spec;
  if (spec.path.empty()) return absl::OkStatus();
  // keepalived's mode: the owner writes, anyone reads.
  if (mkfifo(spec.path.c_str(), S_IRUSR | S_IWUSR | S_IRGRP | S_IROTH) == 0) {
    created_ = true;
    auto owner = ScriptRunsAs(spec.user, spec.group, default_user);
    if (owner.ok() && (owner->uid != geteuid() || owner->gid != getegid())) {
      if (chown(spec.path.c_str(), owner->uid, owner->gid) != 0) {
        // keepalived logs and goes on; so does the caller with this status.
        const int err = errno;
        fd_ = open(spec.path.c_str(), O_RDWR | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
        return absl::PermissionDeniedError(
            absl::StrCat("notify fifo ", spec.path, ": chown: ", std::strerror(err)));
      }
    }
  } else if (errno != EEXIST) {
    return absl::UnavailableError(
        absl::StrCat("cannot create notify fifo ", spec.path, ": ", std::strerror(errno)));
  }
  if (!spec.script.empty()) {
    std::vector<std::string> argv = SplitCommandLine(spec.script);
    argv.push_back(spec.path);
    auto user = ScriptRunsAs(spec.script_user, spec.script_group, default_user);
    if (user.ok()) {
      runner.Run(argv, *user, absl::ZeroDuration(), nullptr);
    }
  }
  // Read-write, so that opening never waits for a reader and writes never fail
  // with EPIPE when the reader goes away.
  fd_ = open(spec.path.c_str(), O_RDWR | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
  if (fd_ < 0) {
    const int err = errno;
    if (created_) unlink(spec.path.c_str());
    created_ = false;
    return absl::UnavailableError(
        absl::StrCat("cannot open notify fifo ", spec.path, ": ", std::strerror(err)));
  }
  return absl::OkStatus();
}

void NotifyFifo::Write(std::string_view line) {
  if (fd_ < 0) return;
  std::string text(line);
  text += '\n';
  // Lines are far below PIPE_BUF: each write is whole or not at all.
  if (write(fd_, text.data(), text.size()) != static_cast<ssize_t>(text.size())) ++dropped_;
}

void NotifyFifo::Close() {
  if (created_) unlink(spec_.path.c_str());
  created_ = false;
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

}  // namespace lvs::proc
