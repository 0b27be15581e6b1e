#include "lib/net/sysctl.h"

#include <fstream>

#include "absl/strings/str_cat.h"

namespace lvs::net {

std::string InterfaceSysctl(const char* family, const std::string& ifname, const char* key) {
  return absl::StrCat("/proc/sys/net/", family, "/conf/", ifname, "/", key);
}

std::optional<std::string> ReadSysctl(const std::string& path) {
  std::ifstream f(path);
  std::string v;
  if (!(f >> v)) return std::nullopt;
  return v;
}

absl::Status WriteSysctl(const std::string& path, const std::string& value) {
  std::ofstream f(path);
  f << value;
  f.close();
  if (!f) return absl::UnavailableError(absl::StrCat("cannot write ", value, " to ", path));
  return absl::OkStatus();
}

}  // namespace lvs::net
