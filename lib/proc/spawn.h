// Starts a child with a clean slate — default signal dispositions and mask, stdin/
// stdout/stderr on /dev/null, no inherited descriptor, its own session (so a timeout
// can kill its whole group) — optionally as another user. Returns the pid and a
// pidfd for the event loop; the caller reaps.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/proc/credentials.h"

namespace lvs::proc {

struct Child {
  pid_t pid = -1;
  int pidfd = -1;
};

// The umask children start with: keepalived's 0177 (its scripts create files only
// their user may read) until a config's umask says otherwise.
void SetChildUmask(mode_t mask);

// Exit status 127: the program could not be executed; 126: the user could not be
// switched to.
absl::StatusOr<Child> Spawn(const std::vector<std::string>& argv,
                            const std::optional<Credentials>& run_as);

// Spawns and waits, for scripts that must finish before the caller goes on
// (startup_script): past `timeout` the child's group gets SIGTERM, and SIGKILL a
// second later, and DEADLINE_EXCEEDED is returned. Else the exit code (ExitCode).
absl::StatusOr<int> RunToCompletion(const std::vector<std::string>& argv,
                                    const std::optional<Credentials>& run_as,
                                    absl::Duration timeout);

// The exit code, or 128 + the signal, as a shell reports it.
int ExitCode(int wait_status);

}  // namespace lvs::proc
