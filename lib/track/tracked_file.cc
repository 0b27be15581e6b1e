#include "lib/track/tracked_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace lvs::track {

std::optional<int64_t> ParseTrackedFileValue(absl::string_view text) {
  const std::string buf(text.substr(0, 127));
  errno = 0;
  const long long value = std::strtoll(buf.c_str(), nullptr, 0);
  if (errno != 0 || value < INT32_MIN || value > static_cast<long long>(INT32_MAX) + 1)
    return std::nullopt;
  return value;
}

int64_t ReadTrackedFile(const std::string& path, int64_t last) {
  int fd = open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[128];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  return ParseTrackedFileValue(absl::string_view(buf, static_cast<size_t>(n))).value_or(last);
}

void InitTrackedFile(const std::string& path, int32_t value, bool overwrite) {
  struct stat st;
  const bool exists = stat(path.c_str(), &st) == 0;
  if (exists && (!overwrite || !S_ISREG(st.st_mode))) return;
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return;
  const std::string text = absl::StrCat(value, "\n");
  ssize_t ignored = write(fd, text.data(), text.size());
  (void)ignored;
  close(fd);
}

}  // namespace lvs::track
