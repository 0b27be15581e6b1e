// global_defs' process options, net_namespace and instance, as keepalived 2.2.7's
// global_parser.c reads them (limits, clamping, deprecated names).
#include <catch2/catch.hpp>

#include "tests/unit/config/test_util.h"

namespace lvs::config {
namespace {

using testing::Lines;

ParseResult Parse(const std::string& text) { return testing::ParseValid(text, "p.conf"); }

TEST_CASE("the vrrp_ and checker_ process options") {
  ParseResult r = Parse(
      "global_defs {\n"
      "  vrrp_priority -5\n"
      "  checker_priority 7\n"
      "  vrrp_rt_priority 20\n"
      "  checker_rt_priority 150\n"
      "  vrrp_rlimit_rttime 5000\n"
      "  checker_rlimit_rtime 1\n"
      "  vrrp_no_swap\n"
      "  checker_cpu_affinity 0 1\n"
      "  vrrp_process_name my_vrrp\n"
      "  checker_process_name a_very_long_process_name\n"
      "}\n");
  const v1::ProcessOptions& v = r.config.global_defs().vrrp_process();
  const v1::ProcessOptions& c = r.config.global_defs().checker_process();
  CHECK(v.nice() == -5);
  CHECK(c.nice() == 7);
  CHECK(v.rt_priority() == 20);
  CHECK(c.rt_priority() == 99);  // clamped, as keepalived
  CHECK(v.rlimit_rttime_us() == 5000);
  CHECK(c.rlimit_rttime_us() == 2);  // 1 becomes 2: the soft limit is half
  CHECK(v.no_swap());
  CHECK_FALSE(c.no_swap());
  CHECK(std::vector<uint32_t>(c.cpus().begin(), c.cpus().end()) == std::vector<uint32_t>{0, 1});
  CHECK(v.name() == "my_vrrp");
  CHECK(c.name() == "a_very_long_pro");  // TASK_COMM_LEN - 1
  const auto lines = Lines(r);
  auto has = [&](const std::string& part) {
    for (const auto& l : lines)
      if (l.find(part) != std::string::npos) return true;
    return false;
  };
  CHECK(has("5:23: checker_rt_priority"));  // 150 clamped
  CHECK(has("deprecated name of checker_rlimit_rttime"));
  CHECK(has("cut (as keepalived)"));
}

TEST_CASE("a bad process value is dropped with a located warning") {
  ParseResult r = Parse(
      "global_defs {\n"
      "  vrrp_priority 30\n"
      "  checker_cpu_affinity 0 x\n"
      "}\n");
  CHECK_FALSE(r.config.global_defs().vrrp_process().has_nice());
  CHECK(r.config.global_defs().checker_process().cpus_size() == 0);
  CHECK(r.warning_count() == 2);
}

TEST_CASE("process_names gives keepalived's child names") {
  ParseResult r = Parse("global_defs {\n  process_names\n  process_name parent\n}\n");
  CHECK(r.config.global_defs().vrrp_process().name() == "keepalived_vrrp");
  CHECK(r.config.global_defs().checker_process().name() == "keepalived_lvs");
  CHECK(r.warning_count() == 1);  // process_name: no parent process in lvs-ha
}

TEST_CASE("umask, in numbers and in bit names") {
  CHECK(Parse("global_defs {\n umask 022\n}\n").config.global_defs().umask() == 022);
  CHECK(Parse("global_defs {\n umask 0x12\n}\n").config.global_defs().umask() == 022);
  CHECK(Parse("global_defs {\n umask IWGRP|IWOTH\n}\n").config.global_defs().umask() == 022);
  CHECK(Parse("global_defs {\n umask IWGRP | IWOTH\n}\n").config.global_defs().umask() == 022);
  ParseResult bad = Parse("global_defs {\n umask IWGRP|\n}\n");
  CHECK_FALSE(bad.config.global_defs().has_umask());
  CHECK(bad.warning_count() == 1);
  CHECK_FALSE(Parse("global_defs {\n umask 01000\n}\n").config.global_defs().has_umask());
  CHECK_FALSE(Parse("global_defs {\n umask IRUSR IWUSR\n}\n").config.global_defs().has_umask());
}

TEST_CASE("startup and shutdown scripts with their timeouts") {
  ParseResult r = Parse(
      "global_defs {\n"
      "  startup_script \"/usr/local/bin/up --now\"\n"
      "  startup_script_timeout 30\n"
      "  shutdown_script /usr/local/bin/down\n"
      "  shutdown_script_timeout 1001\n"
      "}\n");
  const v1::GlobalDefs& g = r.config.global_defs();
  CHECK(g.startup_script().command() == "/usr/local/bin/up --now");
  CHECK(g.startup_script().timeout_s() == 30);
  CHECK(g.shutdown_script().command() == "/usr/local/bin/down");
  CHECK(g.shutdown_script().timeout_s() == 0);  // 1001 is out of range: the default
  CHECK(r.warning_count() == 1);
}

TEST_CASE("net_namespace and instance, the first of each kept") {
  ParseResult r = Parse("net_namespace blue\ninstance second\nnet_namespace red\n");
  CHECK(r.config.net_namespace() == "blue");
  CHECK(r.config.instance() == "second");
  CHECK(r.warning_count() == 1);
}

}  // namespace
}  // namespace lvs::config
