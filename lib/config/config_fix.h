// `lvsctl config fix`: applies the mechanical fixes the parser attached to its
// warnings (misspelt and obsolete keywords, nb_get_retry, words keepalived ignores
// after a value, dangling track_script entries, prefix lengths on peers, the old
// per-instance lvs_sync_daemon_interface) and non-breaking spaces, and renders the
// change as a unified diff with a reason before each hunk. Pure: text in, text and
// diff out; the parser is passed in.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "lvs/v1/config.pb.h"

namespace lvs::config {

struct FixResult {
  std::string text;               // the fixed file
  std::string diff;               // unified diff, "# LINE: reason" lines before each hunk
  size_t fixed = 0;               // diagnostics fixed
  std::vector<std::string> left;  // diagnostics left for a person, formatted
};

// Parses a version of the file's text (as the file itself: same name, same
// includes) and returns its diagnostics.
using ParseText = std::function<std::vector<v1::Diagnostic>(const std::string& text)>;

// Fixes `original` (the text of `path`) in passes until no fix applies (a fix may
// reveal another: a misspelling of a deprecated keyword). Only fixes located in
// `path` itself are applied; an included file is fixed on its own.
FixResult FixConfig(const std::string& path, std::string_view original, const ParseText& parse);

}  // namespace lvs::config
