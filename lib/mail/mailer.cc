#include "lib/mail/mailer.h"

#include <curl/curl.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace lvs::mail {
namespace {

struct Upload {
  const std::string* text;
  size_t offset = 0;
};

size_t ReadUpload(char* buffer, size_t size, size_t count, void* arg) {
  auto* up = static_cast<Upload*>(arg);
  const size_t n = std::min(size * count, up->text->size() - up->offset);
  // libcurl's upload buffer takes bytes, not a C string: no terminator is due.
  // NOLINTNEXTLINE(bugprone-not-null-terminated-result)
  std::memcpy(buffer, up->text->data() + up->offset, n);
  up->offset += n;
  return n;
}

}  // namespace

int Mailer::AbortAfterDeadline(void* arg, int64_t, int64_t, int64_t, int64_t) {
  const auto* mailer = static_cast<const Mailer*>(arg);
  return absl::ToUnixNanos(mailer->clock_()) >= mailer->abort_at_ns_.load() ? 1 : 0;
}

namespace {

std::string UrlHost(const std::string& server) {
  // An IPv6 address goes in brackets; a host name or IPv4 address as it is.
  return server.find(':') != std::string::npos ? absl::StrCat("[", server, "]") : server;
}

std::string ThisHost() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "localhost";
  return name;
}

std::string ThisUser() {
  if (const passwd* pw = getpwuid(geteuid())) return pw->pw_name;
  return "root";
}

}  // namespace

Mailer::Mailer(Settings settings, std::shared_ptr<spdlog::logger> log, event::WallClock clock)
    : settings_(std::move(settings)), log_(std::move(log)), clock_(std::move(clock)) {
  worker_ = std::thread([this] { Run(); });
}

Mailer::~Mailer() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    stop_deadline_ = clock_() + kFlushDeadline;
    abort_at_ns_ = absl::ToUnixNanos(stop_deadline_);
  }
  worker_.join();
}

void Mailer::Send(Alert alert) {
  {
    absl::MutexLock lock(&mu_);
    if (queue_.size() >= kQueueLimit || stopping_) {
      ++stats_.dropped;
      const absl::Time now = clock_();
      if (now - last_drop_log_ >= absl::Seconds(10)) {
        last_drop_log_ = now;
        log_->warn("mail alerts: queue full ({} waiting), dropped \"{}\" ({} dropped so far)",
                   queue_.size(), alert.subject, stats_.dropped);
      }
      return;
    }
    ++stats_.queued;
    queue_.push_back(std::move(alert));
  }
}

void Mailer::UpdateSettings(Settings settings) {
  absl::MutexLock lock(&mu_);
  settings_ = std::move(settings);
}

Mailer::Stats Mailer::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

v1::MailStats Mailer::StatsProto() const {
  const Stats st = stats();
  v1::MailStats out;
  out.set_queued(st.queued);
  out.set_sent(st.sent);
  out.set_failed(st.failed);
  out.set_dropped(st.dropped);
  return out;
}

void Mailer::Run() {
  absl::MutexLock lock(&mu_);
  for (;;) {
    mu_.Await(absl::Condition(this, &Mailer::HasWork));
    if (queue_.empty()) return;  // stopping with nothing left
    absl::Duration budget = absl::InfiniteDuration();
    if (stopping_) {
      budget = stop_deadline_ - clock_();
      if (budget <= absl::ZeroDuration()) {
        stats_.dropped += queue_.size();
        log_->warn("mail alerts: {} not sent, the daemon is stopping", queue_.size());
        queue_.clear();
        return;
      }
    }
    Alert alert = std::move(queue_.front());
    queue_.pop_front();
    const Settings settings = settings_;
    mu_.Unlock();  // SMTP can take seconds; Send() must not wait for it
    std::string error;
    const bool ok = Deliver(settings, alert, budget, &error);
    if (ok) {
      log_->info("mail alert sent to {}:{}: \"{}\"", settings.server, settings.port, alert.subject);
    } else {
      log_->warn("mail alert \"{}\" not sent to {}:{}: {}", alert.subject, settings.server,
                 settings.port, error);
    }
    mu_.Lock();
    ++(ok ? stats_.sent : stats_.failed);
  }
}

bool Mailer::Deliver(const Settings& settings, const Alert& alert, absl::Duration budget,
                     std::string* error) {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    *error = "libcurl could not start";
    return false;
  }
  const std::string message = ComposeMessage(settings, alert, clock_(), absl::LocalTimeZone());
  Upload upload{&message};
  // The URL's path is the name given in EHLO/HELO.
  const std::string url = absl::StrCat("smtp://", UrlHost(settings.server), ":", settings.port, "/",
                                       settings.helo_name);
  const std::string from = absl::StrCat("<", settings.from, ">");
  curl_slist* rcpt = nullptr;
  for (const std::string& to : settings.to)
    rcpt = curl_slist_append(rcpt, absl::StrCat("<", to, ">").c_str());
  // keepalived gives each step of the exchange smtp_connect_timeout; the whole
  // exchange gets a few of them here, and no more than the stop deadline.
  const absl::Duration whole = std::min(budget, settings.connect_timeout * 4);
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp");
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, ReadUpload);
  curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, AbortAfterDeadline);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, this);
  curl_easy_setopt(
      curl, CURLOPT_CONNECTTIMEOUT_MS,
      static_cast<long>(absl::ToInt64Milliseconds(std::min(budget, settings.connect_timeout))));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(std::max<int64_t>(1, absl::ToInt64Milliseconds(whole))));
  const CURLcode rc = curl_easy_perform(curl);
  if (rc != CURLE_OK) *error = curl_easy_strerror(rc);
  curl_slist_free_all(rcpt);
  curl_easy_cleanup(curl);
  return rc == CURLE_OK;
}

std::optional<Settings> SettingsForThisHost(const v1::GlobalDefs& global) {
  return SettingsFromConfig(global, ThisHost(), ThisUser());
}

void AlertMail::Configure(const v1::GlobalDefs& global) {
  settings_ = SettingsForThisHost(global);
  if (!settings_) return;
  if (mailer_) {
    mailer_->UpdateSettings(*settings_);
  } else {
    mailer_ = std::make_unique<Mailer>(*settings_, log_);
  }
}

std::optional<v1::MailStats> AlertMail::Stats() const {
  if (!settings_ || !mailer_) return std::nullopt;
  return mailer_->StatsProto();
}

}  // namespace lvs::mail
