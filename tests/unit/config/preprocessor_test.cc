// include, $NAME parameters, comments and quoting, with the locations they leave.
#include <catch2/catch.hpp>

#include "tests/unit/config/test_util.h"

namespace lvs::config {
namespace {

using testing::Lines;
using testing::ParseReadableFile;
using testing::ParseValid;
using testing::ParseWithWarnings;
using testing::TempDir;

TEST_CASE("include resolves relative to the including file, globs in sorted order") {
  TempDir dir;
  const std::string main = dir.Write("main.conf",
                                     "global_defs {\n"
                                     "    router_id R1\n"
                                     "}\n"
                                     "include sub/instances.conf\n"
                                     "include conf.d/*.conf\n");
  dir.Write("sub/instances.conf", "include vi.conf\n");
  dir.Write("sub/vi.conf",
            "vrrp_instance VI_1 {\n"
            "    interface eth0\n"
            "    virtual_router_id 1\n"
            "    virtual_ipaddress {\n"
            "        10.0.0.1\n"
            "    }\n"
            "}\n");
  dir.Write("conf.d/20-b.conf",
            "virtual_server 10.0.0.1 443 {\n  real_server 10.0.0.3 443 {\n  }\n}\n");
  dir.Write("conf.d/10-a.conf",
            "virtual_server 10.0.0.1 80 {\n  real_server 10.0.0.2 80 {\n  }\n}\n");
  dir.Write("conf.d/ignored.txt", "garbage\n");
  const ParseResult r = ParseReadableFile(main);
  INFO(FormatDiagnostics(r.diagnostics));
  CHECK(r.ok());
  CHECK(r.config.vrrp_instances_size() == 1);
  REQUIRE(r.config.virtual_servers_size() == 2);
  CHECK(r.config.virtual_servers(0).port() == 80);
  CHECK(r.config.virtual_servers(1).port() == 443);
  REQUIRE(r.config.files_size() == 5);
  CHECK(r.config.files(0) == main);
  CHECK(r.config.files(2) == dir.path() + "/sub/vi.conf");
  // Locations point into the included file.
  CHECK(r.config.vrrp_instances(0).location().file() == dir.path() + "/sub/vi.conf");
  CHECK(r.config.vrrp_instances(0).location().line() == 1);
}

TEST_CASE("errors inside an included file carry that file's name and line") {
  TempDir dir;
  const std::string main = dir.Write("main.conf", "include inc.conf\n");
  dir.Write("inc.conf", "global_defs {\n  routr_id X\n}\n");
  const ParseResult r = ParseReadableFile(main);
  REQUIRE(r.diagnostics.size() == 1);
  CHECK(FormatDiagnostic(r.diagnostics[0]) ==
        dir.path() +
            "/inc.conf:2:3: routr_id: warning: unknown keyword in global_defs; ignored "
            "(as keepalived); did you mean 'router_id'?");
}

TEST_CASE("a missing include file is an error; a pattern matching nothing a warning") {
  TempDir dir;
  const std::string main = dir.Write("main.conf",
                                     "include missing.conf\n"
                                     "include conf.d/*.conf\n"
                                     "include\n");
  const ParseResult r = ParseReadableFile(main);
  CHECK(Lines(r) == std::vector<std::string>{
                        "1:9: include: cannot open '" + dir.path() + "/missing.conf': no such file",
                        "2:9: include: warning: no file matches '" + dir.path() + "/conf.d/*.conf'",
                        "3:1: include: expects exactly one file name or pattern"});
}

TEST_CASE("an include cycle is reported, not followed forever") {
  TempDir dir;
  const std::string main = dir.Write("a.conf", "include b.conf\n");
  dir.Write("b.conf", "include a.conf\n");
  const ParseResult r = ParseReadableFile(main);
  REQUIRE(r.error_count() == 1);
  CHECK(Lines(r)[0] == "1:9: include: '" + dir.path() + "/a.conf' includes itself");
}

TEST_CASE("include refuses devices and can be disabled") {
  ParseResult r = ParseString("include /dev/zero\n", "dev.conf");
  CHECK(Lines(r) == std::vector<std::string>{"1:9: include: '/dev/zero' is not a regular file"});
  ParseResult off =
      ParseString("include x.conf\n", "off.conf", ParseOptions{.allow_includes = false});
  CHECK(Lines(off) == std::vector<std::string>{"1:1: include: include is disabled for this parse"});
}

TEST_CASE("the main file must be readable") {
  absl::StatusOr<ParseResult> r = ParseFile("/nonexistent/keepalived.conf");
  CHECK(r.status().code() == absl::StatusCode::kNotFound);
}

TEST_CASE("parameters: $NAME=value, ${NAME}, $NAME before whitespace, recursion at use") {
  ParseResult r = ParseValid(
      "$IF=eth0\n"
      "$BASE=10.2.${SUB}\n"
      "$SUB=0\n"
      "vrrp_instance VI_1 {\n"
      "    interface $IF\n"
      "    virtual_router_id 1\n"
      "    notify \"/bin/notify $UNDEFINED ${_HASH}1\"\n"
      "    virtual_ipaddress {\n"
      "        ${BASE}.100/32\n"
      "    }\n"
      "}\n",
      "params.conf");
  const auto& vi = r.config.vrrp_instances(0);
  CHECK(vi.interface() == "eth0");
  CHECK(vi.virtual_ipaddresses(0).address() == "10.2.0.100");
  // Undefined parameters stay as written, as in keepalived; ${_HASH} is a literal '#'.
  CHECK(vi.notify().command() == "/bin/notify $UNDEFINED #1");
}

TEST_CASE("a bad value from a parameter points at the reference") {
  ParseResult r = ParseString(
      "$PRIO=300\n"
      "vrrp_instance VI_1 {\n"
      "    interface eth0\n"
      "    virtual_router_id 1\n"
      "    priority   $PRIO\n"
      "    virtual_ipaddress {\n"
      "        10.0.0.1\n"
      "    }\n"
      "}\n",
      "p.conf");
  CHECK(Lines(r) ==
        std::vector<std::string>{
            "5:16: priority: warning: 300 is out of range 1-255; ignored (as keepalived)"});
}

TEST_CASE("multi-line parameter definitions expand to several statements") {
  ParseResult r = ParseValid(
      "$RS= \\\n"
      "    real_server 10.0.0.${N} 80 { \\\n"
      "        weight ${N} \\\n"
      "    }\n"
      "virtual_server 10.0.0.1 80 {\n"
      "    $N=2\n"
      "    $RS\n"
      "    $N=3\n"
      "    $RS\n"
      "}\n",
      "multi.conf");
  const auto& vs = r.config.virtual_servers(0);
  REQUIRE(vs.real_servers_size() == 2);
  CHECK(vs.real_servers(0).address() == "10.0.0.2");
  CHECK(vs.real_servers(0).weight() == 2);
  CHECK(vs.real_servers(1).address() == "10.0.0.3");
  CHECK(vs.real_servers(1).location().line() == 9);
}

TEST_CASE("comments and quoted strings") {
  ParseResult r = ParseValid(
      "! a bang comment\n"
      "global_defs {   # trailing comment\n"
      "    router_id \"lvs #1 ! primary\"  ! another\n"
      "}\n"
      "vrrp_script s {\n"
      "    script abc\" def \"ghi 'x y'\n"
      "}\n",
      "quotes.conf");
  CHECK(r.config.global_defs().router_id() == "lvs #1 ! primary");
  // Adjacent quoted and unquoted parts form one word; separate words join with spaces.
  CHECK(r.config.vrrp_scripts(0).script() == "abc def ghi x y");
}

TEST_CASE("a '{' on the next line opens the block") {
  ParseResult r = ParseString("global_defs\n{\n    router_id R\n}\n", "brace.conf");
  INFO(FormatDiagnostics(r.diagnostics));
  CHECK(r.ok());
  CHECK(r.config.global_defs().router_id() == "R");
}

TEST_CASE("conditional lines follow the config-id, as keepalived -i") {
  constexpr char kText[] =
      "$PRIO=50\n"
      "@main $PRIO=200\n"
      "vrrp_instance VI {\n"
      "    interface eth0\n"
      "    virtual_router_id 1\n"
      "    priority $PRIO\n"
      "    @main   unicast_src_ip 10.0.0.1\n"
      "    @backup unicast_src_ip 10.0.0.2\n"
      "    unicast_peer {\n"
      "        @^main   10.0.0.1\n"
      "        @^backup 10.0.0.2\n"
      "    }\n"
      "    virtual_ipaddress {\n"
      "        10.0.0.100\n"
      "    }\n"
      "    @main @backup priori 1\n"
      "}\n";
  ParseResult main = ParseString(kText, "c.conf", ParseOptions{.config_id = "main"});
  INFO(FormatDiagnostics(main.diagnostics));
  REQUIRE(main.ok());
  const auto& m = main.config.vrrp_instances(0);
  CHECK(m.priority() == 200);
  CHECK(m.unicast_src_ip() == "10.0.0.1");
  CHECK(std::vector<std::string>(m.unicast_peers().begin(), m.unicast_peers().end()) ==
        std::vector<std::string>{"10.0.0.2"});

  ParseResult backup = ParseString(kText, "c.conf", ParseOptions{.config_id = "backup"});
  REQUIRE(backup.ok());
  CHECK(backup.config.vrrp_instances(0).priority() == 50);
  CHECK(backup.config.vrrp_instances(0).unicast_src_ip() == "10.0.0.2");
  CHECK(backup.config.vrrp_instances(0).unicast_peers(0) == "10.0.0.1");

  ParseResult other = ParseString(kText, "c.conf", ParseOptions{.config_id = "other"});
  REQUIRE(other.ok());
  CHECK(other.config.vrrp_instances(0).unicast_src_ip().empty());
  CHECK(other.config.vrrp_instances(0).unicast_peers_size() == 2);
}

TEST_CASE("a conditional line's errors point into the line") {
  ParseResult r = ParseString("global_defs {\n  @main routr_id A\n}\n", "c.conf",
                              ParseOptions{.config_id = "main"});
  CHECK(Lines(r) ==
        std::vector<std::string>{
            "2:9: routr_id: warning: unknown keyword in global_defs; ignored (as keepalived); "
            "did you mean 'router_id'?"});
}

TEST_CASE("sequence and list lines are skipped with a warning") {
  ParseWithWarnings(
      "global_defs {\n  ~SEQ(i,1,3) x\n}\n", "c.conf",
      {"2:3: ~SEQ(i,1,3): warning: sequence and list blocks have no effect in lvs-ha; "
       "line ignored"});
}

}  // namespace
}  // namespace lvs::config
