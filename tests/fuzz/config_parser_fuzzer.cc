// libFuzzer target: any text given to the keepalived.conf parser must end in a
// result (config + diagnostics), never a crash, hang or sanitizer report.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "lib/config/config_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // Includes would make the result depend on the machine's files; a smaller
  // substitution budget keeps each run fast while exercising the same limit.
  const lvs::config::ParseOptions options{.allow_includes = false, .max_expanded_bytes = 256 << 10};
  lvs::config::ParseResult result = lvs::config::ParseString(text, "fuzz.conf", options);
  // Formatting reads every diagnostic's fields.
  const std::string formatted = lvs::config::FormatDiagnostics(result.diagnostics);
  if (result.ok() && result.error_count() != 0) __builtin_trap();
  return formatted.size() == static_cast<size_t>(-1) ? 1 : 0;
}
