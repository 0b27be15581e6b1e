// FILE_CHECK: reads a tracked file's number (tracked_file.h has the rules). One
// inotify descriptor (a FileWatcher) serves every tracked file: it watches each
// file's directory, as keepalived does, so a file that is created, replaced by
// rename or deleted is seen too. A change wakes the checker at once; delay_loop
// re-reads it anyway.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "lib/event/event_loop.h"
#include "services/checkd/checker.h"

namespace lvs::checkd {

class FileWatcher {
 public:
  static absl::StatusOr<std::unique_ptr<FileWatcher>> Create(event::EventLoop* loop);
  ~FileWatcher();
  // `changed` runs on the loop after `path` was written, created, renamed or
  // deleted. Returns an id for Unwatch, or an error when its directory cannot be
  // watched (it does not exist).
  absl::StatusOr<uint64_t> Watch(const std::string& path, std::function<void()> changed);
  void Unwatch(uint64_t id);

 private:
  FileWatcher(event::EventLoop* loop, int fd) : loop_(loop), fd_(fd) {}
  void OnReadable();

  struct Subscriber {
    int wd;
    std::string name;  // the file's name within the directory
    std::function<void()> changed;
  };
  event::EventLoop* loop_;
  const int fd_;
  uint64_t next_id_ = 1;
  std::map<uint64_t, Subscriber> subscribers_;
  std::map<int, std::set<uint64_t>> by_wd_;
};

class FileChecker final : public Checker {
 public:
  FileChecker(FileWatcher* watcher, const CheckerSpec& spec);
  ~FileChecker() override;
  void Start(Done done) override;
  void Cancel() override {}
  void SetWake(std::function<void()> wake) override;

 private:
  FileWatcher* watcher_;
  const CheckerSpec spec_;
  uint64_t watch_ = 0;
  int64_t last_value_ = 0;  // kept when the file holds an out-of-range number
};

// track_file's init_file: creates the file with `value` when it is missing, or
// writes it in any case with `overwrite` (a regular file only).
void InitTrackedFile(const std::string& path, int32_t value, bool overwrite);

}  // namespace lvs::checkd
