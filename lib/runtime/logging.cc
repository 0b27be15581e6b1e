#include "lib/runtime/logging.h"

#include <cstdlib>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

#include "spdlog/pattern_formatter.h"
#include "spdlog/sinks/stdout_sinks.h"

namespace lvs::runtime {
namespace {

// spdlog level -> syslog priority, for journald's "<N>" prefix.
class SyslogPriorityFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    static constexpr char kPriority[] = {'7', '7', '6', '4', '3', '2', '6'};
    dest.push_back('<');
    dest.push_back(kPriority[static_cast<int>(msg.level)]);
    dest.push_back('>');
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<SyslogPriorityFlag>();
  }
};

// Guards the shared sink and level while loggers are made or re-levelled; spdlog
// itself is thread-safe for logging.
absl::Mutex g_mu(absl::kConstInit);
spdlog::sink_ptr g_sink ABSL_GUARDED_BY(g_mu);
spdlog::level::level_enum g_level ABSL_GUARDED_BY(g_mu) = spdlog::level::info;

spdlog::sink_ptr Sink() ABSL_EXCLUSIVE_LOCKS_REQUIRED(g_mu) {
  if (g_sink) return g_sink;
  g_sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  if (std::getenv("JOURNAL_STREAM") != nullptr) {
    formatter->add_flag<SyslogPriorityFlag>('*').set_pattern("%*%n: %v");
  } else {
    formatter->set_pattern("%Y-%m-%d %H:%M:%S.%e %L %n: %v");
  }
  g_sink->set_formatter(std::move(formatter));
  return g_sink;
}

}  // namespace

bool SetLogLevel(absl::string_view level) {
  auto parsed = spdlog::level::from_str(std::string(level));
  if (parsed == spdlog::level::off && level != "off") return false;
  absl::MutexLock lock(&g_mu);
  g_level = parsed;
  spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& l) { l->set_level(parsed); });
  return true;
}

std::shared_ptr<spdlog::logger> Logger(absl::string_view component) {
  absl::MutexLock lock(&g_mu);
  std::string name(component);
  if (auto existing = spdlog::get(name)) return existing;
  auto logger = std::make_shared<spdlog::logger>(name, Sink());
  logger->set_level(g_level);
  logger->flush_on(spdlog::level::trace);
  spdlog::register_logger(logger);
  return logger;
}

}  // namespace lvs::runtime
