// lvsctl's subcommands. Each command lives in its own *_command.cc file and
// registers itself with LVS_CLI_COMMAND; main() only dispatches.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace lvs::cli {

struct Command {
  std::string name;     // first word after "lvsctl", e.g. "config"
  std::string summary;  // one line for `lvsctl --help`
  // Gets the words after the command name; returns the process exit code.
  std::function<int(const std::vector<std::string>& args)> run;
  // `lvsctl NAME --help`; empty: "usage: lvsctl SUMMARY".
  std::string help = {};
};

class CommandRegistry {
 public:
  static CommandRegistry& Global();
  void Add(Command command);
  const Command* Find(std::string_view name) const;
  const std::vector<Command>& commands() const { return commands_; }

 private:
  std::vector<Command> commands_;
};

struct CommandRegistrar {
  explicit CommandRegistrar(Command command) { CommandRegistry::Global().Add(std::move(command)); }
};

}  // namespace lvs::cli

#define LVS_CLI_CONCAT_INNER(a, b) a##b
#define LVS_CLI_CONCAT(a, b) LVS_CLI_CONCAT_INNER(a, b)
// LVS_CLI_COMMAND("config", "check a keepalived.conf file", RunConfigCommand);
#define LVS_CLI_COMMAND(name, summary, fn)                  \
  static const ::lvs::cli::CommandRegistrar LVS_CLI_CONCAT( \
      lvs_cli_command_, __LINE__)(::lvs::cli::Command{name, summary, fn})
// The same, with a full text for `lvsctl NAME --help`.
#define LVS_CLI_COMMAND_WITH_HELP(name, summary, help, fn)  \
  static const ::lvs::cli::CommandRegistrar LVS_CLI_CONCAT( \
      lvs_cli_command_, __LINE__)(::lvs::cli::Command{name, summary, fn, help})
