// Sends alert mails in the background: Send() queues and returns at once, one
// worker thread speaks SMTP through libcurl, so a slow or absent mail server never
// holds up VRRP or the IPVS table. The queue is bounded; what does not fit is
// dropped and counted, with a rate-limited log line.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lib/event/clock.h"
#include "lib/mail/alert_mail.h"
#include "lvs/v1/common.pb.h"
#include "spdlog/logger.h"

namespace lvs::mail {

class Mailer {
 public:
  static constexpr size_t kQueueLimit = 64;
  // What is still queued at destruction gets this long, then is dropped.
  static constexpr absl::Duration kFlushDeadline = absl::Seconds(3);

  struct Stats {
    uint64_t queued = 0, sent = 0, failed = 0, dropped = 0;
  };

  Mailer(Settings settings, std::shared_ptr<spdlog::logger> log,
         event::WallClock clock = event::SystemWallClock);
  ~Mailer();
  Mailer(const Mailer&) = delete;
  Mailer& operator=(const Mailer&) = delete;

  void Send(Alert alert);
  Stats stats() const;
  v1::MailStats StatsProto() const;
  // A reload's settings; mails already queued go with the new ones.
  void UpdateSettings(Settings settings);

 private:
  void Run();
  // libcurl's progress callback (arg: the Mailer): non-zero aborts the transfer
  // once the stop deadline has passed.
  static int AbortAfterDeadline(void* arg, int64_t, int64_t, int64_t, int64_t);
  // One SMTP exchange; false with the reason in *error.
  bool Deliver(const Settings& settings, const Alert& alert, absl::Duration budget,
               std::string* error);

  bool HasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || !queue_.empty(); }

  mutable absl::Mutex mu_;
  Settings settings_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<spdlog::logger> log_;
  const event::WallClock clock_;
  std::deque<Alert> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time stop_deadline_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  // The stop deadline for the transfer under way (libcurl's progress callback
  // aborts it), in Unix nanoseconds.
  std::atomic<int64_t> abort_at_ns_{INT64_MAX};
  Stats stats_ ABSL_GUARDED_BY(mu_);
  absl::Time last_drop_log_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  std::thread worker_;
};

// SettingsFromConfig with this host's name and the daemon's user for the defaults
// that depend on them (from, helo name, router id).
std::optional<Settings> SettingsForThisHost(const v1::GlobalDefs& global);

// A daemon's alert mails as its config last said: the settings mails are composed
// with, and the Mailer that sends them, made on the first config that mails and kept
// (with its queue) across reloads. Under a config that mails no one, settings() is
// null and nothing is sent.
class AlertMail {
 public:
  explicit AlertMail(std::shared_ptr<spdlog::logger> log) : log_(std::move(log)) {}

  // Start and each reload.
  void Configure(const v1::GlobalDefs& global);
  const Settings* settings() const { return settings_ ? &*settings_ : nullptr; }
  void Send(Alert alert) {
    if (settings_ && mailer_) mailer_->Send(std::move(alert));
  }
  // Unset when the config sends no mail.
  std::optional<v1::MailStats> Stats() const;

 private:
  std::shared_ptr<spdlog::logger> log_;
  std::optional<Settings> settings_;
  std::unique_ptr<Mailer> mailer_;
};

}  // namespace lvs::mail
