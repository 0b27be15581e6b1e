// lvsctl config check [--json] [FILE]: the `keepalived -t` of lvs-ha.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace lvs::cli {

// Runs `lvsctl config ARGS...`: diagnostics go to `err`, the --json model to `out`.
// Returns 0 when the file is valid (warnings allowed), 1 when not, 2 on bad usage.
int RunConfigCommand(const std::vector<std::string>& args, FILE* out, FILE* err);

}  // namespace lvs::cli
