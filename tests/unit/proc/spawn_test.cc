// RunToCompletion: the exit code, and a child that outlives its timeout killed
// with its whole group.
#include <signal.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "lib/proc/spawn.h"

namespace lvs::proc {
namespace {

TEST_CASE("RunToCompletion returns the exit code") {
  CHECK(*RunToCompletion({"/bin/sh", "-c", "exit 3"}, std::nullopt, absl::Seconds(10)) == 3);
  CHECK(*RunToCompletion({"/bin/true"}, std::nullopt, absl::Seconds(10)) == 0);
  CHECK(*RunToCompletion({"/no/such/program"}, std::nullopt, absl::Seconds(10)) == 127);
}

TEST_CASE("RunToCompletion kills a script past its timeout, and its children") {
  const std::string pidfile = "/tmp/lvs-spawn-test." + std::to_string(getpid());
  const absl::Time t0 = absl::Now();
  auto rc = RunToCompletion({"/bin/sh", "-c", "sleep 30 & echo $! > " + pidfile + "; wait"},
                            std::nullopt, absl::Milliseconds(300));
  CHECK(absl::IsDeadlineExceeded(rc.status()));
  CHECK(absl::Now() - t0 < absl::Seconds(5));
  pid_t grandchild = 0;
  std::ifstream(pidfile) >> grandchild;
  std::remove(pidfile.c_str());
  REQUIRE(grandchild > 0);
  // SIGTERM went to the group: the sleep is gone (or a zombie of init's, soon reaped).
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    std::ifstream stat("/proc/" + std::to_string(grandchild) + "/stat");
    std::string pid, comm, state;
    gone = !(stat >> pid >> comm >> state) || state == "Z";
    if (!gone) usleep(20000);
  }
  CHECK(gone);
}

}  // namespace
}  // namespace lvs::proc
