// The run dir holds the daemons' sockets: whoever can write there can put a socket
// of their own where lvsctl and the other daemons will look. Both sides check it.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace lvs::runtime {

// OK when `dir` is a directory owned by root or by us that no one else may write to
// (mode without group/other write). FAILED_PRECONDITION says what is wrong and how
// to fix it.
absl::Status CheckRunDir(const std::string& dir);

// OK when the socket at `path` belongs to root or to us (a daemon made it); the
// caller connects only then. NOT_FOUND when there is none.
absl::Status CheckDaemonSocket(const std::string& path);

// Takes `dir`/<daemon>.lock for the life of the process: a second daemon of the
// same kind on the same run dir is refused (ALREADY_EXISTS), however close the two
// starts are. Returns the descriptor to keep open.
absl::StatusOr<int> LockRunDir(const std::string& dir, const std::string& daemon);

}  // namespace lvs::runtime
