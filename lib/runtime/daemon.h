// What every lvs-ha daemon shares: the event loop, signals (SIGTERM/SIGINT stop,
// SIGHUP reload) through a signalfd on that loop, the gRPC server on
// <run-dir>/<daemon>.sock with the standard health service (plus an optional
// mutual-TLS TCP listener), and sd_notify READY/STATUS/WATCHDOG/STOPPING.
//
//   auto daemon = Daemon::Create(ParseFlagsOrDie("vrrpd", argc, argv));
//   daemon->AddService(&service);
//   daemon->OnReload([&] { ... });        // runs on the loop thread
//   daemon->OnStop([&] { ... });          // runs on the loop thread, before exit
//   if (auto s = daemon->Start(); !s.ok()) ...
//   return daemon->Run();
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "lib/event/event_loop.h"
#include "lib/runtime/flags.h"
#include "lib/runtime/logging.h"
#include "lib/runtime/metrics_server.h"
#include "lib/runtime/metrics_text.h"

namespace lvs::runtime {

class Daemon {
 public:
  static absl::StatusOr<std::unique_ptr<Daemon>> Create(DaemonOptions options);
  ~Daemon();

  event::EventLoop& loop() { return *loop_; }
  const DaemonOptions& options() const { return options_; }

  // Before Start(). The service must outlive Run().
  void AddService(grpc::Service* service) { services_.push_back(service); }
  void OnReload(std::function<void()> cb) { on_reload_ = std::move(cb); }
  void OnStop(std::function<void()> cb) { on_stop_ = std::move(cb); }
  // The daemon's own Prometheus metrics, rendered on the loop thread at each scrape
  // of --metrics-listen; the runtime adds process metrics. Before Start().
  void SetMetrics(std::function<void(MetricsText&)> render) { render_metrics_ = std::move(render); }
  // The bound metrics port (0 when not serving), e.g. for --metrics-listen 127.0.0.1:0.
  int metrics_port() const { return metrics_ ? metrics_->port() : 0; }

  // Creates the run dir (0750), refuses to start when another instance answers on
  // the socket, starts gRPC (socket 0660), installs signal handling, the systemd
  // watchdog.
  absl::Status Start();
  // sd_notify READY=1: the daemon does its job now (ipvsd: the table converged; vrrpd:
  // the config applied), so units ordered After= it start on a working one.
  void Ready();
  // Runs the loop until a stop; returns the process exit code.
  int Run();
  // Thread-safe: the same as SIGTERM.
  void RequestStop();
  // sd_notify STATUS= (what `systemctl status` shows). On the loop thread.
  void SetStatus(const std::string& status);
  // The outcome of a reload: one refused (the file did not validate, `why`) leaves the
  // previous config running, and the status line says so until a reload is applied.
  void ReloadOutcome(bool applied, const std::string& why = "");

 private:
  explicit Daemon(DaemonOptions options, std::unique_ptr<event::EventLoop> loop);
  absl::Status StartGrpc();
  absl::Status StartMetrics();
  absl::Status InstallSignals();
  void ArmWatchdog(absl::Duration period);
  void BeginStop(const char* why);

  DaemonOptions options_;
  std::unique_ptr<event::EventLoop> loop_;
  std::shared_ptr<spdlog::logger> log_;
  std::vector<grpc::Service*> services_;
  std::unique_ptr<grpc::Server> server_;
  std::function<void()> on_reload_;
  std::string status_;          // the daemon's own status line
  std::string reload_refused_;  // set while the last reload was refused
  std::string status_sent_;     // the last line sent
  std::function<void()> on_stop_;
  std::function<void(MetricsText&)> render_metrics_;
  std::unique_ptr<MetricsServer> metrics_;
  int signal_fd_ = -1;
  int lock_fd_ = -1;  // <run-dir>/<daemon>.lock, held while we run
  bool stopping_ = false;
  std::thread shutdown_thread_;
};

}  // namespace lvs::runtime
