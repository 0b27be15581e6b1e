#include "lib/runtime/run_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace lvs::runtime {

absl::Status CheckRunDir(const std::string& dir) {
  struct stat st;
  if (lstat(dir.c_str(), &st) != 0) {
    return absl::FailedPreconditionError(absl::StrCat("run dir ", dir, ": ", std::strerror(errno)));
  }
  if (!S_ISDIR(st.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat("run dir ", dir, " is not a directory"));
  }
  if (st.st_uid != 0 && st.st_uid != geteuid()) {
    return absl::FailedPreconditionError(
        absl::StrCat("run dir ", dir, " belongs to uid ", st.st_uid,
                     ", who could replace the sockets in it; "
                     "use a directory of root's (the default /run/lvs)"));
  }
  if (st.st_mode & (S_IWGRP | S_IWOTH)) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "run dir %s is writable by others (mode %04o), who could put a socket of their own "
        "there; chmod 0750 %s",
        dir, st.st_mode & 07777, dir));
  }
  return absl::OkStatus();
}

absl::Status CheckDaemonSocket(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) {
    return absl::NotFoundError(absl::StrCat(path, ": ", std::strerror(errno)));
  }
  if (!S_ISSOCK(st.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(path, " is not a socket"));
  }
  if (st.st_uid != 0 && st.st_uid != geteuid()) {
    return absl::FailedPreconditionError(absl::StrCat(
        path, " belongs to uid ", st.st_uid, ", not to root or you: not a daemon's; not used"));
  }
  return absl::OkStatus();
}

absl::StatusOr<int> LockRunDir(const std::string& dir, const std::string& daemon) {
  const std::string path = absl::StrCat(dir, "/", daemon, ".lock");
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot open ", path, ": ", std::strerror(errno)));
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    char pid[32] = {};
    (void)!pread(fd, pid, sizeof pid - 1, 0);
    close(fd);
    if (err == EWOULDBLOCK) {
      return absl::AlreadyExistsError(
          absl::StrCat("another ", daemon, " (pid ", pid, ") runs with run dir ", dir));
    }
    return absl::FailedPreconditionError(
        absl::StrCat("cannot lock ", path, ": ", std::strerror(err)));
  }
  const std::string mine = absl::StrCat(getpid());
  (void)!ftruncate(fd, 0);
  (void)!pwrite(fd, mine.data(), mine.size(), 0);
  return fd;
}

}  // namespace lvs::runtime
