// lvsctl: the thin command-line client of lvs-ha. Subcommands register themselves
// (see command_registry.h); this file only dispatches.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "services/cli/client_options.h"
#include "services/cli/command_registry.h"

namespace {

constexpr int kExitUsage = 2;

void PrintUsage(FILE* out) {
  std::fprintf(out, "usage: lvsctl COMMAND [ARGS...]\n\ncommands:\n");
  for (const auto& command : lvs::cli::CommandRegistry::Global().commands()) {
    std::fprintf(out, "  %-10s %s\n", command.name.c_str(), command.summary.c_str());
  }
  std::fprintf(
      out,
      "\noptions for commands that talk to the daemons: --run-dir DIR (default /run/lvs),\n"
      "  --instance ID (the run dir /run/lvs/ID of a config naming net_namespace/instance),\n"
      "  --json, --timeout S, --connect HOST:PORT --tls-cert F --tls-key F --tls-ca F\n"
      "exit codes: 0 done; 1 the config is invalid, a daemon refused, or is not running;\n"
      "  2 bad usage\n"
      "\n'lvsctl COMMAND --help' describes a command.\n");
}

}  // namespace

int main(int argc, char** argv) {
  // `lvsctl --run-dir /run/lvs status` means `lvsctl status --run-dir /run/lvs`: the
  // common options written before the command go after it, where commands read them.
  std::vector<std::string> words(argv + 1, argv + argc);
  std::vector<std::string> hoisted;
  while (!words.empty()) {
    const size_t n = lvs::cli::ClientOptionWords(words.front());
    if (n == 0 || n > words.size()) break;
    hoisted.insert(hoisted.end(), words.begin(), words.begin() + static_cast<long>(n));
    words.erase(words.begin(), words.begin() + static_cast<long>(n));
  }
  if (words.empty()) {
    PrintUsage(stderr);
    return kExitUsage;
  }
  const std::string name = words.front();
  if (name == "-h" || name == "--help" || name == "help") {
    PrintUsage(stdout);
    return 0;
  }
  const lvs::cli::Command* command = lvs::cli::CommandRegistry::Global().Find(name);
  if (command == nullptr) {
    std::fprintf(stderr, "lvsctl: unknown command '%s'\n\n", name.c_str());
    PrintUsage(stderr);
    return kExitUsage;
  }
  std::vector<std::string> args(words.begin() + 1, words.end());
  args.insert(args.end(), hoisted.begin(), hoisted.end());
  // `config` explains itself; every other command's help is its help text, or its
  // summary line.
  bool wants_help = std::find_if(args.begin(), args.end(), [](const std::string& a) {
                      return a == "--help" || a == "-h";
                    }) != args.end();
  if (wants_help && name != "config") {
    if (command->help.empty())
      std::printf("usage: lvsctl %s\n", command->summary.c_str());
    else
      std::fputs(command->help.c_str(), stdout);
    return 0;
  }
  return command->run(args);
}
