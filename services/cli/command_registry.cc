#include "services/cli/command_registry.h"

#include <algorithm>

namespace lvs::cli {

CommandRegistry& CommandRegistry::Global() {
  static CommandRegistry* registry = new CommandRegistry();
  return *registry;
}

void CommandRegistry::Add(Command command) {
  commands_.push_back(std::move(command));
  std::sort(commands_.begin(), commands_.end(),
            [](const Command& a, const Command& b) { return a.name < b.name; });
}

const Command* CommandRegistry::Find(std::string_view name) const {
  for (const Command& command : commands_) {
    if (command.name == name) return &command;
  }
  return nullptr;
}

}  // namespace lvs::cli
