// The three PEM files of a mutual-TLS endpoint, read once for the daemons'
// --listen and lvsctl's --connect alike.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace lvs::rpc {

struct TlsFiles {
  std::string cert;  // our certificate chain
  std::string key;   // its private key
  std::string ca;    // what the peer's certificate must chain to
};

inline absl::StatusOr<TlsFiles> LoadTlsFiles(const std::string& cert, const std::string& key,
                                             const std::string& ca) {
  TlsFiles out;
  for (auto [path, dest] : {std::pair{&cert, &out.cert}, {&key, &out.key}, {&ca, &out.ca}}) {
    std::ifstream in(*path);
    if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", *path));
    std::stringstream ss;
    ss << in.rdbuf();
    *dest = ss.str();
  }
  return out;
}

}  // namespace lvs::rpc
