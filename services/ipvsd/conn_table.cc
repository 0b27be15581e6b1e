#include "services/ipvsd/conn_table.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"

namespace lvs::ipvs {
namespace {

template <typename T>
bool ParseHex(std::string_view s, T* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out, 16);
  return ec == std::errc() && p == s.data() + s.size();
}

bool ParseAddr(std::string_view s, net::IpAddress* out) {
  if (s.find(':') != std::string_view::npos) {
    auto a = net::IpAddress::Parse(s);
    if (!a || !a->is_v6()) return false;
    *out = *a;
    return true;
  }
  uint32_t host = 0;
  if (s.size() != 8 || !ParseHex(s, &host)) return false;
  const uint32_t wire = htonl(host);
  *out = net::IpAddress::FromRaw(AF_INET, &wire);
  return true;
}

// Splits on runs of spaces; at most `n` fields, the rest ignored (PE data).
size_t Fields(std::string_view line, std::string_view* f, size_t n) {
  size_t count = 0, i = 0;
  while (count < n) {
    while (i < line.size() && line[i] == ' ') ++i;
    if (i >= line.size()) break;
    size_t j = line.find(' ', i);
    if (j == std::string_view::npos) j = line.size();
    f[count++] = line.substr(i, j - i);
    i = j;
  }
  return count;
}

uint64_t Mix(uint64_t h, const void* data, size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;  // FNV-1a
  return h;
}

}  // namespace

uint64_t ConnEntry::Id() const {
  uint64_t h = 14695981039346656037ull;
  const size_t len = client.size();
  h = Mix(h, client.raw().data(), len);
  h = Mix(h, &client_port, sizeof client_port);
  h = Mix(h, vaddr.raw().data(), len);
  h = Mix(h, &vport, sizeof vport);
  h = Mix(h, &protocol, sizeof protocol);
  return h;
}

ConnTableStats ParseConnTable(std::string_view text,
                              const std::function<void(const ConnEntry&)>& each) {
  ConnTableStats stats;
  size_t pos = 0;
  bool first = true;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (first) {
      first = false;
      if (line.substr(0, 3) == "Pro") continue;
    }
    if (line.empty()) continue;
    std::string_view f[9];
    ConnEntry e;
    if (Fields(line, f, 9) != 9 || !ParseAddr(f[1], &e.client) || !ParseHex(f[2], &e.client_port) ||
        !ParseAddr(f[3], &e.vaddr) || !ParseHex(f[4], &e.vport) || !ParseAddr(f[5], &e.daddr) ||
        !ParseHex(f[6], &e.dport) ||
        std::from_chars(f[8].data(), f[8].data() + f[8].size(), e.expires_s).ec != std::errc()) {
      ++stats.refused_lines;
      continue;
    }
    auto proto = ParseProtocolName(f[0]);
    e.protocol = proto ? *proto : 0;
    e.syn_recv = f[7] == "SYN_RECV";
    ++stats.entries;
    each(e);
  }
  return stats;
}

absl::StatusOr<std::string> ReadConnTable(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    std::string what = absl::StrCat(path, ": ", std::strerror(err));
    return err == ENOENT ? absl::NotFoundError(what) : absl::UnavailableError(what);
  }
  std::string out;
  std::vector<char> buf(1 << 16);
  for (;;) {
    ssize_t n = read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      close(fd);
      return absl::UnavailableError(absl::StrCat(path, ": ", std::strerror(err)));
    }
    if (n == 0) break;
    out.append(buf.data(), static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

}  // namespace lvs::ipvs
