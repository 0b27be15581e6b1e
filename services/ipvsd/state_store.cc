#include "services/ipvsd/state_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <google/protobuf/text_format.h>

#include "absl/strings/str_cat.h"
#include "services/ipvsd/api_mapping.h"

namespace lvs::ipvs {

absl::StatusOr<PersistentState> StateStore::Load() const {
  PersistentState state;
  std::ifstream in(path_);
  if (!in) {
    if (errno == ENOENT) return state;
    return absl::PermissionDeniedError(
        absl::StrCat("cannot read ", path_, ": ", std::strerror(errno)));
  }
  std::stringstream text;
  text << in.rdbuf();
  lvs::v1::IpvsdState proto;
  if (!google::protobuf::TextFormat::ParseFromString(text.str(), &proto))
    return absl::DataLossError(absl::StrCat(path_, " is not a valid ipvsd state file"));
  for (const auto& r : proto.overrides()) {
    auto svc = ServiceKeyFromProto(r.service());
    auto kind = OverrideFromProto(r.override());
    if (!svc.ok() || !kind.ok())
      return absl::DataLossError(absl::StrCat(path_, ": a bad override record"));
    OverrideKey key{*svc, std::nullopt};
    if (r.has_real()) {
      auto real = RealKeyFromProto(r.real());
      if (!real.ok()) return absl::DataLossError(absl::StrCat(path_, ": a bad override record"));
      key.real = *real;
    }
    state.overrides[key] = OverrideEntry{*kind, absl::FromUnixMillis(r.since_unix_ms()),
                                         absl::Seconds(r.drain_timeout_s())};
  }
  for (const auto& k : proto.owned()) {
    auto svc = ServiceKeyFromProto(k);
    if (!svc.ok()) return absl::DataLossError(absl::StrCat(path_, ": a bad owned service"));
    state.owned.insert(*svc);
  }
  return state;
}

absl::Status StateStore::Save(const PersistentState& state) const {
  lvs::v1::IpvsdState proto;
  for (const auto& [key, entry] : state.overrides) {
    if (entry.kind == OverrideKind::kDefault) continue;
    auto* r = proto.add_overrides();
    *r->mutable_service() = ServiceKeyToProto(key.service);
    if (key.real) *r->mutable_real() = RealKeyToProto(*key.real);
    r->set_override(OverrideToProto(entry.kind));
    r->set_since_unix_ms(absl::ToUnixMillis(entry.since));
    r->set_drain_timeout_s(static_cast<uint32_t>(absl::ToInt64Seconds(entry.drain_timeout)));
  }
  for (const ServiceKey& k : state.owned) *proto.add_owned() = ServiceKeyToProto(k);
  std::string text;
  google::protobuf::TextFormat::PrintToString(proto, &text);

  const std::string tmp = path_ + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0)
    return absl::PermissionDeniedError(
        absl::StrCat("cannot write ", tmp, ": ", std::strerror(errno)));
  const char* p = text.data();
  size_t left = text.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return absl::UnavailableError(absl::StrCat("writing ", tmp, ": ", std::strerror(e)));
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return absl::UnavailableError(absl::StrCat("syncing ", tmp, ": ", std::strerror(errno)));
  }
  if (::rename(tmp.c_str(), path_.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return absl::UnavailableError(
        absl::StrCat("renaming ", tmp, " to ", path_, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace lvs::ipvs
