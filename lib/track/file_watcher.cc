#include "lib/track/file_watcher.h"

#include <sys/epoll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace lvs::track {
namespace {

constexpr uint32_t kEvents = IN_CLOSE_WRITE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE;

std::pair<std::string, std::string> SplitPath(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == 0) return {"/", path.substr(1)};
  return {path.substr(0, slash), path.substr(slash + 1)};
}

}  // namespace

absl::StatusOr<std::unique_ptr<FileWatcher>> FileWatcher::Create(event::EventLoop* loop) {
  int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return absl::UnavailableError(absl::StrCat("inotify_init1: ", std::strerror(errno)));
  auto watcher = std::unique_ptr<FileWatcher>(new FileWatcher(loop, fd));
  FileWatcher* self = watcher.get();
  if (auto s = self->fd_.WatchReadable([self] { self->OnReadable(); }); !s.ok()) return s;
  return watcher;
}

absl::StatusOr<uint64_t> FileWatcher::Watch(const std::string& path,
                                            std::function<void()> changed) {
  auto [dir, name] = SplitPath(path);
  // The same directory gives the same descriptor: subscribers share it.
  int wd = inotify_add_watch(fd_.get(), dir.c_str(), kEvents);
  if (wd < 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot watch directory ", dir, " of tracked file ", path, ": ", std::strerror(errno)));
  }
  const uint64_t id = next_id_++;
  subscribers_[id] = {wd, name, std::move(changed)};
  by_wd_[wd].insert(id);
  return id;
}

void FileWatcher::Unwatch(uint64_t id) {
  auto it = subscribers_.find(id);
  if (it == subscribers_.end()) return;
  const int wd = it->second.wd;
  subscribers_.erase(it);
  auto& ids = by_wd_[wd];
  ids.erase(id);
  if (ids.empty()) {
    by_wd_.erase(wd);
    inotify_rm_watch(fd_.get(), wd);
  }
}

void FileWatcher::OnReadable() {
  alignas(inotify_event) char buf[16384];
  std::set<uint64_t> woken;
  for (;;) {
    ssize_t n = read(fd_.get(), buf, sizeof buf);
    if (n <= 0) break;
    for (char* p = buf; p < buf + n;) {
      const auto* ev = reinterpret_cast<const inotify_event*>(p);
      p += sizeof(inotify_event) + ev->len;
      auto wd = by_wd_.find(ev->wd);
      if (wd == by_wd_.end()) continue;
      const std::string name = ev->len > 0 ? std::string(ev->name) : std::string();
      for (uint64_t id : wd->second) {
        // IN_Q_OVERFLOW or the directory itself: everyone there re-reads.
        if (name.empty() || subscribers_[id].name == name) woken.insert(id);
      }
    }
  }
  // After the batch: a callback may Unwatch (a target replaced) without
  // invalidating the walk above. One wake per file however many events.
  for (uint64_t id : woken) {
    auto it = subscribers_.find(id);
    if (it != subscribers_.end()) it->second.changed();
  }
}

}  // namespace lvs::track
