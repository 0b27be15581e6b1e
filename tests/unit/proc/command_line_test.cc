// keepalived's script-line splitting (lib/proc), used by notify, track and MISC scripts.
#include "lib/proc/command_line.h"

#include <catch2/catch.hpp>

namespace lvs::proc {
namespace {

using V = std::vector<std::string>;

TEST_CASE("command lines split as keepalived splits them") {
  CHECK(SplitCommandLine("/bin/check") == V{"/bin/check"});
  CHECK(SplitCommandLine("  /bin/check  -a\tb ") == V{"/bin/check", "-a", "b"});
  CHECK(SplitCommandLine("/bin/sh -c 'exit 3'") == V{"/bin/sh", "-c", "exit 3"});
  CHECK(SplitCommandLine("/x \"a b\" c\\ d") == V{"/x", "a b", "c d"});
  CHECK(SplitCommandLine("/x 'a\\b'") == V{"/x", "a\\b"});  // no escapes in single quotes
  CHECK(SplitCommandLine("/x \"a\\\"b\"") == V{"/x", "a\"b"});
  CHECK(SplitCommandLine("/x ''") == V{"/x", ""});
  CHECK(SplitCommandLine("").empty());
}

}  // namespace
}  // namespace lvs::proc
