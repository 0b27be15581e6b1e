// lvsctl: the thin command-line client of lvs-ha. Subcommands register themselves
// (see command_registry.h); this file only dispatches.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

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
  if (argc < 2) {
    PrintUsage(stderr);
    return kExitUsage;
  }
  const std::string name = argv[1];
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
  std::vector<std::string> args(argv + 2, argv + argc);
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
