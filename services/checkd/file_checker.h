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
#include "lib/track/file_watcher.h"
#include "services/checkd/checker.h"

namespace lvs::checkd {

using track::FileWatcher;

class FileChecker final : public Checker {
 public:
  FileChecker(FileWatcher* watcher, const CheckerSpec& spec);
  ~FileChecker() override;
  void Start(Done done) override;
  void Cancel() override {}
  void SetWake(const std::function<void()>& wake) override;

 private:
  FileWatcher* watcher_;
  const CheckerSpec spec_;
  uint64_t watch_ = 0;
  int64_t last_value_ = 0;  // kept when the file holds an out-of-range number
};

}  // namespace lvs::checkd
