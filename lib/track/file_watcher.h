// One inotify descriptor for every tracked file of a daemon (FILE_CHECK in
// checkd, track_file in vrrpd): it watches each file's directory, as keepalived
// does, so a file that is created, replaced by rename or deleted is seen too.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "lib/event/event_loop.h"
#include "lib/event/loop_fd.h"

namespace lvs::track {

class FileWatcher {
 public:
  static absl::StatusOr<std::unique_ptr<FileWatcher>> Create(event::EventLoop* loop);
  // `changed` runs on the loop after `path` was written, created, renamed or
  // deleted. Returns an id for Unwatch, or an error when its directory cannot be
  // watched (it does not exist).
  absl::StatusOr<uint64_t> Watch(const std::string& path, std::function<void()> changed);
  void Unwatch(uint64_t id);

 private:
  FileWatcher(event::EventLoop* loop, int fd) : fd_(loop, fd) {}
  void OnReadable();

  struct Subscriber {
    int wd;
    std::string name;  // the file's name within the directory
    std::function<void()> changed;
  };
  event::LoopFd fd_;  // the inotify descriptor
  uint64_t next_id_ = 1;
  std::map<uint64_t, Subscriber> subscribers_;
  std::map<int, std::set<uint64_t>> by_wd_;
};

}  // namespace lvs::track
