// keepalived's script lines (notify, vrrp_script, misc_path) split into argv: words
// split on blanks, single or double quotes group a word, a backslash outside single
// quotes escapes one character. No shell is involved.
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace lvs::proc {

std::vector<std::string> SplitCommandLine(absl::string_view line);

}  // namespace lvs::proc
