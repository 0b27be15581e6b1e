// One named spdlog logger per component, all writing to stderr. Under systemd
// (JOURNAL_STREAM set) each line starts with a syslog priority "<N>" so journald
// records the level; otherwise lines carry a timestamp.
#pragma once

#include <memory>
#include "absl/strings/string_view.h"

#include "spdlog/spdlog.h"

namespace lvs::runtime {

// "trace".."critical"; unknown names leave the level unchanged and return false.
bool SetLogLevel(absl::string_view level);
std::shared_ptr<spdlog::logger> Logger(absl::string_view component);

}  // namespace lvs::runtime
