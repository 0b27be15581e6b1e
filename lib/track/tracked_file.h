// A keepalived track_file's number: the file's text read as keepalived's
// trackers/track_file.c reads it, for FILE_CHECK (checkd) and a vrrp_instance's
// track_file (vrrpd).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace lvs::track {

// strtol(text, base 0) of the first 127 bytes: "0x10" is 16, "010" is 8, leading
// blanks and trailing junk are fine, no number at all is 0. Nothing for a number
// outside INT32_MIN..INT32_MAX+1 (keepalived logs it and keeps the last value).
std::optional<int64_t> ParseTrackedFileValue(absl::string_view text);

// The file's number now: a missing, unreadable or empty file is 0, an
// out-of-range number keeps `last`.
int64_t ReadTrackedFile(const std::string& path, int64_t last);

// track_file's init_file: creates the file with `value` when it is missing, or
// writes it in any case with `overwrite` (a regular file only).
void InitTrackedFile(const std::string& path, int32_t value, bool overwrite);

}  // namespace lvs::track
