#include "lib/proc/credentials.h"

#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"

namespace lvs::proc {

absl::StatusOr<Credentials> LookupUser(const std::string& user, const std::string& group) {
  Credentials c;
  std::vector<char> buf(16384);
  passwd pw;
  passwd* found = nullptr;
  if (getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr) {
    return absl::NotFoundError(absl::StrCat("user \"", user, "\" does not exist"));
  }
  c.uid = pw.pw_uid;
  c.gid = pw.pw_gid;
  c.name = user;
  if (!group.empty()) {
    struct group gr;
    struct group* gfound = nullptr;
    if (getgrnam_r(group.c_str(), &gr, buf.data(), buf.size(), &gfound) != 0 || gfound == nullptr) {
      return absl::NotFoundError(absl::StrCat("group \"", group, "\" does not exist"));
    }
    c.gid = gr.gr_gid;
    absl::StrAppend(&c.name, ":", group);
  }
  return c;
}

absl::StatusOr<Credentials> DefaultScriptUser(const std::string& script_user,
                                              const std::string& script_group) {
  if (!script_user.empty()) return LookupUser(script_user, script_group);
  if (auto k = LookupUser("keepalived_script"); k.ok()) return k;
  return Credentials{0, 0, "root"};
}

absl::Status CheckScriptSecure(const std::string& path, const Credentials& runs_as) {
  if (path.empty() || path[0] != '/') {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": not an absolute path (enable_script_security needs one)"));
  }
  char resolved[PATH_MAX];
  if (realpath(path.c_str(), resolved) == nullptr) {
    return absl::NotFoundError(absl::StrCat(path, ": ", std::strerror(errno)));
  }
  // Only a script run as root is a way to root; keepalived checks those.
  if (runs_as.uid != 0) return absl::OkStatus();
  std::string p = resolved;
  while (true) {
    struct stat st;
    if (stat(p.c_str(), &st) != 0) {
      return absl::NotFoundError(absl::StrCat(p, ": ", std::strerror(errno)));
    }
    if (st.st_uid != 0) {
      return absl::PermissionDeniedError(absl::StrCat(
          p, " is owned by uid ", st.st_uid, ", so that user could change what runs as root"));
    }
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
      const bool sticky_dir = S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX);
      if (!sticky_dir || p == resolved) {
        return absl::PermissionDeniedError(
            absl::StrCat(p, " is writable by ", (st.st_mode & S_IWOTH) ? "everyone" : "its group",
                         ", so others could change what runs as root"));
      }
    }
    if (p == "/") break;
    const size_t slash = p.rfind('/');
    p = slash == 0 ? "/" : p.substr(0, slash);
  }
  return absl::OkStatus();
}

absl::StatusOr<Credentials> ScriptRunsAs(const std::string& user, const std::string& group,
                                         const absl::StatusOr<Credentials>& default_user) {
  return user.empty() ? default_user : LookupUser(user, group);
}

}  // namespace lvs::proc
