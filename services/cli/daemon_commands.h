// lvsctl's commands that talk to the daemons. Each takes the words after its own
// name (client options may appear anywhere) and returns the process exit code:
// 0 done, 1 a daemon refused or is not running, 2 bad usage.
#pragma once

#include <string>
#include <vector>

namespace lvs::cli {

int RunStatus(std::vector<std::string> args);    // status
int RunShow(std::vector<std::string> args);      // show vrrp|services|service SVC|checks|config
int RunFailover(std::vector<std::string> args);  // failover [INSTANCE]
int RunVrrp(std::vector<std::string> args);      // vrrp up|down INSTANCE
// drain|disable|enable|default REAL; verb is the first word.
int RunOverride(std::vector<std::string> args);
int RunReload(std::vector<std::string> args);  // reload [--dry-run]
int RunWatch(std::vector<std::string> args);   // watch

extern const char kDaemonCommandsHelp[];

}  // namespace lvs::cli
