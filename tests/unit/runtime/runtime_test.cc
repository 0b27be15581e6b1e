#include <thread>

#include <catch2/catch.hpp>

#include "lib/rpc/watch_hub.h"
#include "lib/runtime/flags.h"
#include "lib/runtime/process_setup.h"
#include "lib/runtime/status.h"

using lvs::runtime::ParseFlags;

namespace {
absl::StatusOr<lvs::runtime::DaemonOptions> Parse(
    std::vector<const char*> args, const std::vector<lvs::runtime::FlagSpec>& extra = {}) {
  args.insert(args.begin(), "vrrpd");
  return ParseFlags("vrrpd", static_cast<int>(args.size()), const_cast<char**>(args.data()), extra);
}
}  // namespace

TEST_CASE("flags have the documented defaults") {
  auto o = Parse({});
  REQUIRE(o.ok());
  CHECK(o->config_path == "/etc/lvs/keepalived.conf");
  CHECK(o->run_dir == "/run/lvs");
  CHECK(o->log_level == "info");
  CHECK(o->SocketPath() == "/run/lvs/vrrpd.sock");
}

TEST_CASE("flags accept both --x=v and --x v, and the daemon's own flags") {
  auto o = Parse({"--config=/tmp/k.conf", "--run-dir", "/tmp/r", "--realtime"},
                 {{"realtime", "SCHED_RR", true, ""}});
  REQUIRE(o.ok());
  CHECK(o->config_path == "/tmp/k.conf");
  CHECK(o->run_dir == "/tmp/r");
  CHECK(o->GetBool("realtime"));
}

TEST_CASE("bad flags are refused with a message") {
  CHECK(Parse({"--nope"}).status().message() == "unknown flag --nope");
  CHECK(Parse({"--config"}).status().message() == "--config needs a value");
  CHECK(absl::IsInvalidArgument(Parse({"--listen", "0.0.0.0:9000"}).status()));
}

TEST_CASE("absl and gRPC status codes map one to one") {
  auto g = lvs::runtime::ToGrpcStatus(absl::NotFoundError("no instance VI_9"));
  CHECK(g.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(g.error_message() == "no instance VI_9");
  CHECK(lvs::runtime::FromGrpcStatus(g).code() == absl::StatusCode::kNotFound);
}

TEST_CASE("a watch subscription gets the snapshot first, then published events") {
  lvs::rpc::WatchHub<int> hub;
  auto sub = hub.Subscribe({1, 2});
  hub.Publish(3);
  using R = lvs::rpc::WatchHub<int>::Subscription::Result;
  int e = 0;
  for (int want : {1, 2, 3}) {
    REQUIRE(sub->Next(&e, absl::Milliseconds(10)) == R::kEvent);
    CHECK(e == want);
  }
  CHECK(sub->Next(&e, absl::Milliseconds(1)) == R::kTimeout);
  hub.Close();
  CHECK(sub->Next(&e, absl::Milliseconds(1)) == R::kClosed);
}

TEST_CASE("a subscriber that falls behind is cut off, others are not") {
  lvs::rpc::WatchHub<int> hub(2);
  auto slow = hub.Subscribe({});
  for (int i = 0; i < 5; ++i) hub.Publish(i);
  int e;
  CHECK(slow->Next(&e, absl::Milliseconds(1)) ==
        lvs::rpc::WatchHub<int>::Subscription::Result::kOverflow);
  auto fresh = hub.Subscribe({7});
  CHECK(fresh->Next(&e, absl::Milliseconds(1)) ==
        lvs::rpc::WatchHub<int>::Subscription::Result::kEvent);
  CHECK(e == 7);
  slow.reset();
  CHECK(hub.Subscribers() == 1);
}

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "lib/runtime/run_dir.h"
#include "lib/runtime/status.h"

namespace lvs::runtime {
namespace {

TEST_CASE("run dir: refused when others may write to it; one daemon per kind holds it") {
  char tmpl[] = "/tmp/lvs-rundir-test-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  CHECK(CheckRunDir(dir).ok());
  chmod(dir.c_str(), 0777);
  absl::Status lax = CheckRunDir(dir);
  CHECK(lax.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(std::string(lax.message()).find("writable by others (mode 0777)") != std::string::npos);
  chmod(dir.c_str(), 0750);
  REQUIRE(chown(dir.c_str(), 65534, 65534) == 0);
  CHECK(CheckRunDir(dir).code() == absl::StatusCode::kFailedPrecondition);
  REQUIRE(chown(dir.c_str(), 0, 0) == 0);

  auto first = LockRunDir(dir, "vrrpd");
  REQUIRE(first.ok());
  auto second = LockRunDir(dir, "vrrpd");
  CHECK(second.status().code() == absl::StatusCode::kAlreadyExists);
  CHECK(std::string(second.status().message()).find(std::to_string(getpid())) != std::string::npos);
  auto other_kind = LockRunDir(dir, "ipvsd");
  CHECK(other_kind.ok());
  close(*first);
  close(*other_kind);
  auto again = LockRunDir(dir, "vrrpd");
  CHECK(again.ok());
  close(*again);
  CHECK(CheckDaemonSocket(dir + "/none.sock").code() == absl::StatusCode::kNotFound);
  std::filesystem::remove_all(dir);
}

TEST_CASE("status messages are bounded at the gRPC edge") {
  const std::string huge(1 << 20, 'x');
  grpc::Status s = ToGrpcStatus(absl::InvalidArgumentError("no instance " + huge));
  CHECK(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(s.error_message().size() < kMaxStatusMessage + 16);
  CHECK(s.error_message().ends_with("... (cut)"));
}

}  // namespace
}  // namespace lvs::runtime

TEST_CASE(
    "the process plan: each daemon its keepalived process's options, one owner for the scripts") {
  lvs::v1::Config c;
  c.set_net_namespace("blue");
  c.set_instance("two");
  auto* g = c.mutable_global_defs();
  g->mutable_vrrp_process()->set_rt_priority(20);
  g->mutable_checker_process()->set_nice(5);
  g->set_umask(027);
  g->mutable_startup_script()->set_command("/bin/true");
  using lvs::runtime::PlanProcess;
  // No vrrp_instance: ipvsd runs the scripts.
  CHECK(PlanProcess(c, "ipvsd").startup_script.command() == "/bin/true");
  CHECK(PlanProcess(c, "vrrpd").startup_script.command().empty());
  CHECK(PlanProcess(c, "checkd").startup_script.command().empty());
  c.add_vrrp_instances()->set_name("VI_1");
  CHECK(PlanProcess(c, "vrrpd").startup_script.command() == "/bin/true");
  CHECK(PlanProcess(c, "ipvsd").startup_script.command().empty());
  CHECK(PlanProcess(c, "vrrpd").options.rt_priority() == 20);
  CHECK(PlanProcess(c, "checkd").options.nice() == 5);
  CHECK(PlanProcess(c, "ipvsd").options.nice() == 5);
  CHECK(*PlanProcess(c, "checkd").umask == 027);
  CHECK(PlanProcess(c, "checkd").instance_id == "blue_two");
  CHECK(lvs::runtime::RunDirFor("blue_two") == "/run/lvs/blue_two");
  CHECK(lvs::runtime::RunDirFor("") == "/run/lvs");
  c.clear_net_namespace();
  CHECK(PlanProcess(c, "vrrpd").instance_id == "two");
}

TEST_CASE("--run-dir given is remembered, so a config's instance does not move it") {
  CHECK_FALSE(Parse({})->run_dir_given);
  CHECK(Parse({"--run-dir", "/tmp/r"})->run_dir_given);
}
