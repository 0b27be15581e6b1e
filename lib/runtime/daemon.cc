#include "lib/runtime/daemon.h"

#include "lib/runtime/run_dir.h"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <vector>

#include <grpcpp/health_check_service_interface.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "lib/rpc/channel.h"
#include "lib/rpc/tls_files.h"

namespace lvs::runtime {
namespace {

// True when something accepts connections on the Unix socket at path.
bool SocketIsLive(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  bool live = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return live;
}

// CPU seconds and resident memory from /proc/self/stat, as Prometheus client
// libraries name them.
void AppendProcessMetrics(MetricsText& m) {
  std::ifstream in("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = stat.rfind(')');
  if (close == std::string::npos) return;
  std::istringstream fields(stat.substr(close + 2));
  std::vector<std::string> f((std::istream_iterator<std::string>(fields)),
                             std::istream_iterator<std::string>());
  // After "pid (comm) ", field 3 (state) is f[0]; utime is field 14, stime 15, rss 24.
  if (f.size() < 22) return;
  double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  m.Counter("process_cpu_seconds_total", "User and system CPU time spent in seconds.", {},
            (std::stod(f[11]) + std::stod(f[12])) / ticks);
  m.Gauge("process_resident_memory_bytes", "Resident memory size in bytes.", {},
          std::stod(f[21]) * static_cast<double>(sysconf(_SC_PAGESIZE)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Daemon>> Daemon::Create(DaemonOptions options) {
  if (!SetLogLevel(options.log_level))
    return absl::InvalidArgumentError(absl::StrCat("unknown --log-level '", options.log_level,
                                                   "' (trace, debug, info, warn, error)"));
  auto loop = event::EventLoop::Create();
  if (!loop.ok()) return loop.status();
  return std::unique_ptr<Daemon>(new Daemon(std::move(options), *std::move(loop)));
}

Daemon::Daemon(DaemonOptions options, std::unique_ptr<event::EventLoop> loop)
    : options_(std::move(options)), loop_(std::move(loop)), log_(Logger(options_.daemon)) {}

Daemon::~Daemon() {
  if (shutdown_thread_.joinable()) shutdown_thread_.join();
  if (signal_fd_ >= 0) close(signal_fd_);
  if (lock_fd_ >= 0) close(lock_fd_);
}

absl::Status Daemon::StartGrpc() {
  const std::string& dir = options_.run_dir;
  // An instance's run dir (/run/lvs/<id>) may be the first under /run/lvs. Modes are
  // set explicitly: a config's umask (keepalived's 0177, say) must not make them unusable.
  bool created = mkdir(dir.c_str(), 0750) == 0;
  if (!created && errno == ENOENT) {
    const std::string parent = dir.substr(0, dir.find_last_of('/'));
    if (!parent.empty() && mkdir(parent.c_str(), 0755) == 0) chmod(parent.c_str(), 0755);
    created = mkdir(dir.c_str(), 0750) == 0;
  }
  if (!created && errno != EEXIST)
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create run dir ", dir, ": ", std::strerror(errno)));
  if (created) {
    chmod(dir.c_str(), 0750);
    // An instance's dir under /run/lvs takes its group (lvs), as the sockets do.
    struct stat parent_st;
    const std::string parent = dir.substr(0, dir.find_last_of('/'));
    if (!parent.empty() && stat(parent.c_str(), &parent_st) == 0 && parent_st.st_gid != 0 &&
        chown(dir.c_str(), static_cast<uid_t>(-1), parent_st.st_gid) != 0) {
      log_->warn("cannot give {} the group of {}: {}", dir, parent, std::strerror(errno));
    }
  }
  if (absl::Status s = CheckRunDir(dir); !s.ok()) return s;
  auto lock = LockRunDir(dir, options_.daemon);
  if (!lock.ok()) return lock.status();
  lock_fd_ = *lock;
  const std::string sock = options_.SocketPath();
  if (sock.size() >= sizeof(sockaddr_un::sun_path))
    return absl::InvalidArgumentError(absl::StrCat("socket path too long: ", sock));
  if (SocketIsLive(sock))
    return absl::AlreadyExistsError(
        absl::StrCat("another ", options_.daemon, " is serving ", sock));
  unlink(sock.c_str());

  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  // A full SetTargets for tens of thousands of reals exceeds gRPC's 4 MB default.
  builder.SetMaxReceiveMessageSize(rpc::kMaxMessageBytes);
  builder.SetMaxSendMessageSize(rpc::kMaxMessageBytes);
  builder.AddListeningPort("unix:" + sock, grpc::InsecureServerCredentials());
  if (!options_.listen.empty()) {
    grpc::SslServerCredentialsOptions tls(
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    auto files = rpc::LoadTlsFiles(options_.tls_cert, options_.tls_key, options_.tls_ca);
    if (!files.ok()) return files.status();
    tls.pem_root_certs = files->ca;
    tls.pem_key_cert_pairs.push_back({files->key, files->cert});
    builder.AddListeningPort(options_.listen, grpc::SslServerCredentials(tls));
  }
  for (grpc::Service* s : services_) builder.RegisterService(s);
  server_ = builder.BuildAndStart();
  if (!server_)
    return absl::UnavailableError(absl::StrCat(
        "cannot serve gRPC on ", sock, options_.listen.empty() ? "" : " or " + options_.listen));
  chmod(sock.c_str(), 0660);
  // The socket takes the run dir's group (root:lvs from the package's tmpfiles): its
  // members may call the API as lvsctl does, others may not even see the socket.
  struct stat dir_st;
  if (stat(dir.c_str(), &dir_st) == 0 && dir_st.st_gid != 0 &&
      chown(sock.c_str(), static_cast<uid_t>(-1), dir_st.st_gid) != 0) {
    log_->warn("cannot give {} the group of {}: {}", sock, dir, std::strerror(errno));
  }
  log_->info("serving gRPC on unix:{}{}", sock,
             options_.listen.empty() ? "" : " and " + options_.listen);
  return absl::OkStatus();
}

absl::Status Daemon::InstallSignals() {
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGHUP);
  // Block in this thread before gRPC spawns more, so every thread inherits the mask
  // and the signals arrive only through the signalfd.
  pthread_sigmask(SIG_BLOCK, &mask, nullptr);
  signal(SIGPIPE, SIG_IGN);
  signal_fd_ = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  if (signal_fd_ < 0) return absl::InternalError(absl::StrCat("signalfd: ", std::strerror(errno)));
  return loop_->AddFd(signal_fd_, EPOLLIN, [this](uint32_t) {
    signalfd_siginfo info;
    while (read(signal_fd_, &info, sizeof info) == sizeof info) {
      if (info.ssi_signo == SIGHUP) {
        log_->info("SIGHUP: reloading {}", options_.config_path);
        sd_notify(0, "RELOADING=1");
        if (on_reload_) on_reload_();
        sd_notify(0, "READY=1");
      } else {
        BeginStop(info.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
      }
    }
  });
}

void Daemon::ArmWatchdog(absl::Duration period) {
  // Sent from the loop thread, so a stuck loop stops the pings and systemd notices.
  loop_->AddTimer(period, [this, period] {
    sd_notify(0, "WATCHDOG=1");
    ArmWatchdog(period);
  });
}

absl::Status Daemon::StartMetrics() {
  if (options_.metrics_listen.empty()) return absl::OkStatus();
  auto server = MetricsServer::Start(*loop_, options_.metrics_listen, [this] {
    MetricsText m;
    if (render_metrics_) render_metrics_(m);
    AppendProcessMetrics(m);
    return m.text();
  });
  if (!server.ok()) return server.status();
  metrics_ = *std::move(server);
  log_->info("serving metrics on http://{}/metrics", options_.metrics_listen);
  return absl::OkStatus();
}

absl::Status Daemon::Start() {
  if (auto s = InstallSignals(); !s.ok()) return s;
  if (auto s = StartGrpc(); !s.ok()) return s;
  if (auto s = StartMetrics(); !s.ok()) return s;
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) ArmWatchdog(absl::Microseconds(usec) / 2);
  return absl::OkStatus();
}

void Daemon::Ready() { sd_notify(0, "READY=1"); }

void Daemon::SetStatus(const std::string& status) {
  status_ = status;
  const std::string line =
      reload_refused_.empty() ? status_ : absl::StrCat(reload_refused_, "; ", status_);
  if (line == status_sent_) return;  // callers may report every second
  status_sent_ = line;
  sd_notify(0, absl::StrCat("STATUS=", line).c_str());
}

void Daemon::ReloadOutcome(bool applied, const std::string& why) {
  reload_refused_.clear();
  if (!applied) {
    reload_refused_ = absl::StrCat("reload failed at ",
                                   absl::FormatTime("%H:%M:%S", absl::Now(), absl::LocalTimeZone()),
                                   " (", why, "): the previous config runs");
  }
  SetStatus(status_);
}

void Daemon::RequestStop() {
  loop_->Post([this] { BeginStop("stop requested"); });
}

void Daemon::BeginStop(const char* why) {
  if (stopping_) return;
  stopping_ = true;
  log_->info("{}: stopping", why);
  sd_notify(0, "STOPPING=1");
  if (on_stop_) on_stop_();
  // gRPC handlers may be waiting on the loop (RunSync), so the loop keeps running
  // while the server drains; the loop stops once the server is down.
  shutdown_thread_ = std::thread([this] {
    if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
    loop_->Stop();
  });
}

int Daemon::Run() {
  loop_->Run();
  if (shutdown_thread_.joinable()) shutdown_thread_.join();
  if (server_) {
    server_->Wait();
    unlink(options_.SocketPath().c_str());
  }
  log_->info("stopped");
  return 0;
}

}  // namespace lvs::runtime
