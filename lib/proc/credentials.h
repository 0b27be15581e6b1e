// Who a script runs as, as keepalived decides it: the script's own `user [group]`,
// else global_defs' script_user, else the user keepalived_script when it exists, else
// root. And keepalived's enable_script_security test of a script's path.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace lvs::proc {

struct Credentials {
  uid_t uid = 0;
  gid_t gid = 0;
  std::string name;  // for logs
};

// NOT_FOUND when the user or group does not exist.
absl::StatusOr<Credentials> LookupUser(const std::string& user, const std::string& group = "");

// The default for scripts without a user of their own: `script_user [group]` when
// given, else keepalived_script if that user exists, else root.
absl::StatusOr<Credentials> DefaultScriptUser(const std::string& script_user,
                                              const std::string& script_group);

// Who one script runs as: its own `user [group]` (looked up now), else `default_user`.
absl::StatusOr<Credentials> ScriptRunsAs(const std::string& user, const std::string& group,
                                         const absl::StatusOr<Credentials>& default_user);

// keepalived's check for enable_script_security: a script run as root must not be
// replaceable by anyone else — neither it nor a directory on its path (symlinks
// followed) may be writable by a non-root user. An error says which path and why.
absl::Status CheckScriptSecure(const std::string& path, const Credentials& runs_as);

}  // namespace lvs::proc
