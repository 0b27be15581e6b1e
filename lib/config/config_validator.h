// Checks that span several blocks: names that must resolve, things that must be
// unique (instance names, VRID per interface, virtual and real servers), address
// families that must agree.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "lib/config/diagnostic_sink.h"
#include "lvs/v1/config.pb.h"

namespace lvs::config {

class ConfigValidator {
 public:
  explicit ConfigValidator(DiagnosticSink& sink) : sink_(sink) {}

  // Cross-checks; a dangling reference keepalived drops is dropped here too.
  void Validate(v1::Config& config);

 private:
  // Each vrrp_script's first definition.
  using ScriptsByName = std::map<std::string, v1::SourceLocation>;

  void ValidateVrrp(v1::Config& config);
  ScriptsByName DropRepeatedScripts(v1::Config& config);
  void DropUnknownTrackScripts(google::protobuf::RepeatedPtrField<v1::TrackScript>* tracks,
                               const ScriptsByName& scripts);
  // The instances' names, in the file's order.
  std::vector<std::string_view> ValidateInstances(v1::Config& config, const ScriptsByName& scripts);
  void ValidateInstanceSettings(const v1::VrrpInstance& vi);
  void ValidateSyncGroups(v1::Config& config, const std::vector<std::string_view>& instance_names,
                          const ScriptsByName& scripts);
  void ValidateVirtualServers(const v1::Config& config);
  // The groups' names, in the file's order.
  std::vector<std::string_view> ValidateVirtualServerGroups(const v1::Config& config);
  void ValidateRealServers(const v1::VirtualServer& vs);
  void Error(const v1::SourceLocation& at, std::string_view keyword, const std::string& message);
  void Warning(const v1::SourceLocation& at, std::string_view keyword, const std::string& message);

  DiagnosticSink& sink_;
};

}  // namespace lvs::config
