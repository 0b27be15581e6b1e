// The one way unit tests read fixture files (tests/fixtures/configs/): the seed's
// two keepalived.conf files and the broken ones, never an inline copy of them.
#pragma once

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace lvs::testing {

inline std::string FixturePath(const std::string& name) {
  return std::string(LVS_SOURCE_DIR) + "/tests/fixtures/configs/" + name;
}

inline std::string ReadFixture(const std::string& name) {
  std::ifstream in(FixturePath(name));
  if (!in) throw std::runtime_error("cannot read fixture " + FixturePath(name));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The seed's virtual_server block (director MASTER's file), from its first line
// to the end of the file.
inline std::string SeedVirtualServer() {
  const std::string text = ReadFixture("seed-master.conf");
  const size_t at = text.find("\nvirtual_server ");
  if (at == std::string::npos) throw std::runtime_error("seed-master.conf has no virtual_server");
  return text.substr(at + 1);
}

}  // namespace lvs::testing
