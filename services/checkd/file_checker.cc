#include "services/checkd/file_checker.h"

#include "services/checkd/tracked_file.h"

namespace lvs::checkd {

FileChecker::FileChecker(FileWatcher* watcher, const CheckerSpec& spec)
    : watcher_(watcher), spec_(spec) {}

FileChecker::~FileChecker() {
  if (watch_ != 0) watcher_->Unwatch(watch_);
}

void FileChecker::SetWake(const std::function<void()>& wake) {
  // A directory that cannot be watched leaves delay_loop's re-reads.
  if (auto id = watcher_->Watch(spec_.file_path, wake); id.ok()) watch_ = *id;
}

void FileChecker::Start(Done done) {
  // A missing, unreadable or empty file reads as 0, as keepalived's does.
  const int64_t value = track::ReadTrackedFile(spec_.file_path, last_value_);
  last_value_ = value;
  done(JudgeTrackedFile(value, spec_.file_weight, spec_.file_reverse, spec_.base_weight));
}

}  // namespace lvs::checkd
