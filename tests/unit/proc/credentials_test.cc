// Who scripts run as, and keepalived's enable_script_security test. Runs as root (the
// unit tier does), so the files it makes are root's.
#include "lib/proc/credentials.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace lvs::proc {
namespace {

TEST_CASE("users: named, default, and missing") {
  auto root = LookupUser("root");
  REQUIRE(root.ok());
  CHECK(root->uid == 0);
  auto nobody = LookupUser("nobody", "nogroup");
  REQUIRE(nobody.ok());
  CHECK(nobody->uid != 0);
  CHECK(nobody->name == "nobody:nogroup");
  CHECK(LookupUser("no-such-user-here").status().code() == absl::StatusCode::kNotFound);
  CHECK(LookupUser("root", "no-such-group").status().code() == absl::StatusCode::kNotFound);
  auto by_script_user = DefaultScriptUser("nobody", "");
  REQUIRE(by_script_user.ok());
  CHECK(by_script_user->uid == nobody->uid);
  // Without script_user: keepalived_script when it exists, else root.
  auto fallback = DefaultScriptUser("", "");
  REQUIRE(fallback.ok());
  CHECK(fallback->uid ==
        (LookupUser("keepalived_script").ok() ? LookupUser("keepalived_script")->uid : 0));
}

TEST_CASE("enable_script_security: a root script nobody else can change") {
  REQUIRE(geteuid() == 0);
  char tmpl[] = "/tmp/lvs-proc-test-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  const std::string script = dir + "/check.sh";
  std::ofstream(script) << "#!/bin/sh\nexit 0\n";
  const Credentials root{0, 0, "root"};
  chmod(script.c_str(), 0755);
  chmod(dir.c_str(), 0755);
  CHECK(CheckScriptSecure(script, root).ok());

  chmod(script.c_str(), 0777);
  absl::Status s = CheckScriptSecure(script, root);
  CHECK(s.code() == absl::StatusCode::kPermissionDenied);
  CHECK(std::string(s.message()).find("writable by everyone") != std::string::npos);
  chmod(script.c_str(), 0755);

  chmod(dir.c_str(), 0775);  // a group-writable directory on the path
  CHECK(CheckScriptSecure(script, root).code() == absl::StatusCode::kPermissionDenied);
  chmod(dir.c_str(), 0755);

  REQUIRE(chown(script.c_str(), 65534, 65534) == 0);  // owned by someone else
  CHECK(CheckScriptSecure(script, root).code() == absl::StatusCode::kPermissionDenied);
  // Run as that user, the script cannot make anyone root: allowed.
  CHECK(CheckScriptSecure(script, Credentials{65534, 65534, "nobody"}).ok());

  CHECK(CheckScriptSecure("relative/path.sh", root).code() ==
        absl::StatusCode::kFailedPrecondition);
  CHECK(CheckScriptSecure(dir + "/missing.sh", root).code() == absl::StatusCode::kNotFound);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace lvs::proc
