// libFuzzer target: any text given to the keepalived.conf parser must end in a
// result (config + diagnostics), never a crash, hang or sanitizer report.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "lib/config/config_parser.h"
#include "lib/config/diagnostic_sink.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // Includes would make the result depend on the machine's files; a smaller
  // substitution budget keeps each run fast while exercising the same limit.
  // A fixed config-id makes "@main" lines reachable and runs reproducible.
  const lvs::config::ParseOptions options{
      .allow_includes = false, .max_expanded_bytes = 256 << 10, .config_id = "main"};
  lvs::config::ParseResult result = lvs::config::ParseString(text, "fuzz.conf", options);
  // Every diagnostic must point into the input, and formatting reads all its fields.
  for (const lvs::v1::Diagnostic& d : result.diagnostics) {
    if (d.location().file() != "fuzz.conf" || d.location().line() < 1 ||
        d.location().column() < 1 || lvs::config::FormatDiagnostic(d).empty()) {
      __builtin_trap();
    }
  }
  return 0;
}
