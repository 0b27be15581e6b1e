#include "services/checkd/check_outcome.h"

#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cerrno>

#include "lib/proc/command_line.h"

namespace lvs::checkd {
namespace {

int Exited(int code) { return (code & 0xff) << 8; }  // W_EXITCODE
int Signalled(int sig) { return sig & 0x7f; }

TEST_CASE("timeouts read as 'no answer in ...'") {
  CHECK(NoAnswerIn(absl::Seconds(3)) == "no answer in 3 s");
  CHECK(NoAnswerIn(absl::Milliseconds(1500)) == "no answer in 1.5 s");
  CHECK(NoAnswerIn(absl::Milliseconds(250)) == "no answer in 250 ms");
}

TEST_CASE("connect errors read as phrases") {
  CHECK(DescribeConnectError(ECONNREFUSED) == "connection refused");
  CHECK(DescribeConnectError(EHOSTUNREACH) == "host unreachable");
  CHECK(DescribeConnectError(ENETUNREACH) == "network unreachable");
  CHECK_FALSE(DescribeConnectError(EIO).empty());
}

TEST_CASE("connect failures: the server's answers are down, this host's shortages are local") {
  CHECK_FALSE(ConnectFailure(ECONNREFUSED).local_error);
  CHECK_FALSE(ConnectFailure(ECONNREFUSED).ok);
  CHECK_FALSE(ConnectFailure(EHOSTUNREACH).local_error);
  CHECK_FALSE(ConnectFailure(ENETUNREACH).local_error);
  for (int err : {EMFILE, ENFILE, ENOBUFS, ENOMEM, EADDRNOTAVAIL}) {
    auto o = ConnectFailure(err);
    CHECK(o.local_error);
    CHECK_FALSE(o.ok);
    CHECK(o.reason.rfind("local error: ", 0) == 0);
  }
}

TEST_CASE("HTTP status: default 200-299") {
  CHECK(EvaluateHttpResponse(200, "", {}, "").ok);
  CHECK(EvaluateHttpResponse(204, "", {}, "").ok);
  CHECK(EvaluateHttpResponse(299, "", {}, "").ok);
  auto r = EvaluateHttpResponse(503, "", {}, "");
  CHECK_FALSE(r.ok);
  CHECK(r.reason == "HTTP 503");
  CHECK_FALSE(EvaluateHttpResponse(301, "", {}, "").ok);
  CHECK_FALSE(EvaluateHttpResponse(199, "", {}, "").ok);
}

TEST_CASE("HTTP status: explicit ranges, inclusive") {
  std::vector<StatusRange> ranges{{200, 200}, {300, 302}};
  CHECK(EvaluateHttpResponse(200, "", ranges, "").ok);
  CHECK_FALSE(EvaluateHttpResponse(201, "", ranges, "").ok);
  CHECK(EvaluateHttpResponse(300, "", ranges, "").ok);
  CHECK(EvaluateHttpResponse(302, "", ranges, "").ok);
  CHECK_FALSE(EvaluateHttpResponse(303, "", ranges, "").ok);
  CHECK(EvaluateHttpResponse(500, "", {{500, 599}}, "").ok);
}

TEST_CASE("HTTP digest: compared after the status, case-insensitively") {
  const std::string d = "5d41402abc4b2a76b9719d911017c592";
  CHECK(EvaluateHttpResponse(200, d, {}, d).ok);
  CHECK(EvaluateHttpResponse(200, d, {}, "5D41402ABC4B2A76B9719D911017C592").ok);
  auto r = EvaluateHttpResponse(200, "00000000000000000000000000000000", {}, d);
  CHECK_FALSE(r.ok);
  CHECK(r.reason == "digest mismatch");
  // A bad status is reported as such even when the digest is also wrong.
  CHECK(EvaluateHttpResponse(500, "x", {}, d).reason == "HTTP 500");
}

TEST_CASE("body digest is genhash's MD5, fed in pieces") {
  BodyDigest md5;
  md5.Update("hel");
  md5.Update("lo");
  CHECK(md5.HexDigest() == "5d41402abc4b2a76b9719d911017c592");
  md5.Reset();
  CHECK(md5.HexDigest() == "d41d8cd98f00b204e9800998ecf8427e");  // empty body
  md5.Reset();
  md5.Update("This is RS1\n");
  CHECK(md5.HexDigest().size() == 32);
}

TEST_CASE("MISC exit codes, keepalived's rule") {
  SECTION("without misc_dynamic") {
    CHECK(InterpretMiscExit(Exited(0), false).ok);
    CHECK(InterpretMiscExit(Exited(0), false).weight == -1);
    auto one = InterpretMiscExit(Exited(1), false);
    CHECK_FALSE(one.ok);
    CHECK(one.reason == "exit status 1");
    CHECK_FALSE(InterpretMiscExit(Exited(2), false).ok);
    CHECK_FALSE(InterpretMiscExit(Exited(255), false).ok);
  }
  SECTION("with misc_dynamic") {
    auto zero = InterpretMiscExit(Exited(0), true);
    CHECK(zero.ok);
    CHECK(zero.weight == -1);  // exit 0 leaves the weight alone
    CHECK_FALSE(InterpretMiscExit(Exited(1), true).ok);
    for (int code = 2; code <= 255; ++code) {
      auto r = InterpretMiscExit(Exited(code), true);
      CHECK(r.ok);
      CHECK(r.weight == code - 2);
    }
  }
  SECTION("killed") {
    auto r = InterpretMiscExit(Signalled(SIGKILL), true);
    CHECK_FALSE(r.ok);
    CHECK(r.reason == "killed by signal 9");
  }
}

TEST_CASE("command lines split like keepalived's misc_path") {
  using V = std::vector<std::string>;
  CHECK(proc::SplitCommandLine("/bin/check") == V{"/bin/check"});
  CHECK(proc::SplitCommandLine("  /bin/check  -a\tb ") == V{"/bin/check", "-a", "b"});
  CHECK(proc::SplitCommandLine("/bin/sh -c 'exit 3'") == V{"/bin/sh", "-c", "exit 3"});
  CHECK(proc::SplitCommandLine("/x \"a b\" c\\ d") == V{"/x", "a b", "c d"});
  CHECK(proc::SplitCommandLine("/x ''") == V{"/x", ""});
  CHECK(proc::SplitCommandLine("").empty());
}

}  // namespace
}  // namespace lvs::checkd
