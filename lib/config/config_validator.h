// Checks that span several blocks: names that must resolve, things that must be
// unique (instance names, VRID per interface, virtual and real servers), address
// families that must agree.
#pragma once

#include "lib/config/diagnostic_sink.h"
#include "lvs/v1/config.pb.h"

namespace lvs::config {

class ConfigValidator {
 public:
  explicit ConfigValidator(DiagnosticSink& sink) : sink_(sink) {}

  // Cross-checks; a dangling reference keepalived drops is dropped here too.
  void Validate(v1::Config& config);

 private:
  void ValidateVrrp(v1::Config& config);
  void ValidateVirtualServers(const v1::Config& config);
  void Error(const v1::SourceLocation& at, std::string_view keyword, std::string message);
  void Warning(const v1::SourceLocation& at, std::string_view keyword, std::string message);

  DiagnosticSink& sink_;
};

}  // namespace lvs::config
