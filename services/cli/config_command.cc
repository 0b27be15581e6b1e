#include "services/cli/config_command.h"

#include <google/protobuf/util/json_util.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "lib/config/config_fix.h"
#include "lib/config/config_parser.h"
#include "services/cli/command_registry.h"

namespace lvs::cli {
namespace {

constexpr int kValid = 0;
constexpr int kInvalid = 1;
constexpr int kUsageError = 2;

constexpr char kUsage[] =
    "usage: lvsctl config check [--strict] [--json] [--config-id ID] [FILE]\n"
    "       lvsctl config fix [--write] [--config-id ID] [FILE]\n"
    "\n"
    "Parses and validates a keepalived.conf file (default %s).\n"
    "Prints every warning and error to stderr as file:line:col: keyword: message.\n"
    "  --strict          every warning is an error (exit 1), for CI of config repositories\n"
    "  --json            print the parsed model as JSON on stdout\n"
    "  --config-id ID    keepalived's -i: which \"@ID\" lines apply (default: short host name)\n"
    "Exit status: 0 the daemons would run it (warnings allowed), 1 they would refuse it,\n"
    "2 usage error.\n"
    "config fix prints a unified diff that fixes the mechanical problems (misspelt or\n"
    "obsolete keywords, extra words, nb_get_retry); --write applies it (FILE.orig kept).\n";

int Usage(FILE* stream, int code) {
  std::fprintf(stream, kUsage, config::kDefaultConfigPath);
  return code;
}

int Check(const std::vector<std::string>& args, FILE* out, FILE* err) {
  bool json = false;
  config::ParseOptions options;
  std::string path;
  bool have_path = false;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--json") {
      json = true;
    } else if (arg == "--strict") {
      options.strict = true;
    } else if (arg == "--config-id" || arg == "-i") {
      if (i + 1 >= args.size()) {
        std::fprintf(err, "lvsctl config check: %s needs a value\n", arg.c_str());
        return Usage(err, kUsageError);
      }
      options.config_id = args[++i];
    } else if (arg == "-h" || arg == "--help") {
      return Usage(out, kValid);
    } else if (arg.size() > 1 && arg[0] == '-') {
      std::fprintf(err, "lvsctl config check: unknown option '%s'\n", arg.c_str());
      return Usage(err, kUsageError);
    } else if (have_path) {
      std::fprintf(err, "lvsctl config check: more than one FILE given\n");
      return Usage(err, kUsageError);
    } else {
      path = arg;
      have_path = true;
    }
  }
  if (!have_path) path = config::kDefaultConfigPath;

  absl::StatusOr<config::ParseResult> result = config::ParseFile(path, options);
  if (!result.ok()) {
    std::fprintf(err, "%s: %s\n", path.c_str(), std::string(result.status().message()).c_str());
    return kInvalid;
  }
  std::fputs(config::FormatDiagnostics(result->diagnostics).c_str(), err);
  const size_t errors = result->error_count();
  const size_t warnings = result->warning_count();
  std::fprintf(err, "%s: %s (%zu error%s, %zu warning%s)\n", path.c_str(),
               errors ? "invalid" : "valid", errors, errors == 1 ? "" : "s", warnings,
               warnings == 1 ? "" : "s");
  if (json) {
    std::string text;
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = true;
    options.always_print_primitive_fields = true;
    options.preserve_proto_field_names = true;
    if (auto status = google::protobuf::util::MessageToJsonString(result->config, &text, options);
        !status.ok()) {
      std::fprintf(err, "lvsctl config check: cannot print JSON: %s\n", status.ToString().c_str());
      return kInvalid;
    }
    std::fputs(text.c_str(), out);
  }
  return errors ? kInvalid : kValid;
}

// config fix --write: the original kept as FILE.orig, the fixed text in its place.
// False (and a message on `err`) when either could not be written.
bool WriteFixed(const std::string& path, const std::string& text, FILE* err) {
  const std::string backup = path + ".orig";
  std::error_code ec;
  std::filesystem::copy_file(path, backup, std::filesystem::copy_options::overwrite_existing, ec);
  if (ec) {
    std::fprintf(err, "%s: cannot keep the original: %s\n", backup.c_str(), ec.message().c_str());
    return false;
  }
  // Write beside the file, then rename: a crash leaves the old or the new file whole.
  const std::string temp = path + ".fix-tmp";
  {
    std::ofstream o(temp, std::ios::binary | std::ios::trunc);
    o << text;
    if (!o.flush()) {
      std::fprintf(err, "%s: cannot write\n", temp.c_str());
      return false;
    }
  }
  std::filesystem::permissions(temp, std::filesystem::status(backup).permissions(), ec);
  std::filesystem::rename(temp, path, ec);
  if (ec) {
    std::fprintf(err, "%s: cannot replace: %s\n", path.c_str(), ec.message().c_str());
    return false;
  }
  std::fprintf(err, "%s: written (the original is %s)\n", path.c_str(), backup.c_str());
  return true;
}

int Fix(const std::vector<std::string>& args, FILE* out, FILE* err) {
  bool write = false;
  config::ParseOptions options;
  std::string path = config::kDefaultConfigPath;
  bool have_path = false;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--write") {
      write = true;
    } else if ((arg == "--config-id" || arg == "-i") && i + 1 < args.size()) {
      options.config_id = args[++i];
    } else if (arg == "-h" || arg == "--help") {
      return Usage(out, kValid);
    } else if (arg.empty() || arg[0] == '-' || have_path) {
      std::fprintf(err, "lvsctl config fix: unexpected '%s'\n", arg.c_str());
      return Usage(err, kUsageError);
    } else {
      path = arg;
      have_path = true;
    }
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(err, "%s: cannot open: %s\n", path.c_str(), std::strerror(errno));
    return kInvalid;
  }
  std::stringstream text;
  text << in.rdbuf();
  // Each pass parses the text as the file itself (same name, same includes).
  const config::FixResult fix =
      config::FixConfig(path, text.str(), [&](const std::string& version) {
        return config::ParseString(version, path, options).diagnostics;
      });
  std::fputs(fix.diff.c_str(), out);
  // Line numbers of what is left are those of the fixed text.
  for (const std::string& line : fix.left) std::fprintf(err, "not fixed: %s\n", line.c_str());
  std::fprintf(err, "%s: %zu problem%s fixed, %zu left\n", path.c_str(), fix.fixed,
               fix.fixed == 1 ? "" : "s", fix.left.size());
  if (write && !fix.diff.empty() && !WriteFixed(path, fix.text, err)) return kInvalid;
  return config::ParseString(fix.text, path, options).ok() ? kValid : kInvalid;
}

}  // namespace

int RunConfigCommand(const std::vector<std::string>& args, FILE* out, FILE* err) {
  if (args.empty()) return Usage(err, kUsageError);
  if (args[0] == "-h" || args[0] == "--help") return Usage(out, kValid);
  if (args[0] == "check") return Check(args, out, err);
  if (args[0] == "fix") return Fix(args, out, err);
  std::fprintf(err, "lvsctl config: unknown subcommand '%s'\n", args[0].c_str());
  return Usage(err, kUsageError);
}

LVS_CLI_COMMAND("config", "check a keepalived.conf file, or fix it (config check|fix [FILE])",
                [](const std::vector<std::string>& args) {
                  return RunConfigCommand(args, stdout, stderr);
                });

}  // namespace lvs::cli
