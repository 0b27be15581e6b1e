// lab_http_load: the lab's client machine. It sends HTTP through the VIP and logs one
// line per outcome, so a scenario can measure how much traffic a failover loses.
//
//   lab_http_load rate --target IP:PORT --out FILE [--rate 50] [--timeout-ms 1000]
//                      [--path /]
//     Open loop: a new connection and one HTTP/1.0 request every 1/rate seconds.
//     <start> <end> ok <first line of body>
//     <start> <end> fail <reason>
//
//   lab_http_load hold --target IP:PORT --out FILE [--conns 20] [--interval-ms 500]
//                      [--timeout-ms 2000] [--path /]
//     CONNS keep-alive connections, one HTTP/1.1 request per interval on each; a
//     connection that breaks is not reopened.
//     <t> connect-fail conn=<k> <reason>
//     <t> established <n>
//     <start> <end> ok conn=<k> <first line of body>
//     <start> <end> fail conn=<k> <reason>
//     <t> summary conns=<n> alive=<a> broken=<b> reset=<r> timeout=<t> eof=<e>
//
// Times are CLOCK_REALTIME seconds with milliseconds so shell scripts can compare them
// with `date +%s.%N`; lines are appended to FILE with one write each because scripts
// read the file while it grows. SIGTERM, SIGINT or SIGUSR1 ends the run (exit 0);
// requests still in flight are dropped unlogged. Bad arguments exit 2.
//
// The lab VM is emulated (qemu TCG), so this is one thread on epoll with non-blocking
// sockets: no process or thread per request.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cctype>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace {

constexpr int64_t kNsPerSec = 1'000'000'000;
constexpr int64_t kNsPerMs = 1'000'000;

constexpr char kUsage[] =
    "usage: lab_http_load rate --target IP:PORT --out FILE [--rate 50] "
    "[--timeout-ms 1000] [--path /]\n"
    "       lab_http_load hold --target IP:PORT --out FILE [--conns 20] "
    "[--interval-ms 500] [--timeout-ms 2000] [--path /]\n";

int64_t ClockNs(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return ts.tv_sec * kNsPerSec + ts.tv_nsec;
}

// Scheduling and timeouts use the monotonic clock so a clock step cannot burst or
// stall the load; only the log uses realtime.
int64_t MonoNow() { return ClockNs(CLOCK_MONOTONIC); }
int64_t RealNow() { return ClockNs(CLOCK_REALTIME); }

// Truncated like `date +%s.%3N`, so a line never appears to be from the future.
std::string FormatTime(int64_t real_ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%03lld", static_cast<long long>(real_ns / kNsPerSec),
                static_cast<long long>(real_ns % kNsPerSec / kNsPerMs));
  return buf;
}

// Symbolic names because scenarios grep for them; strerrorname_np is too new for
// some of the lab's userlands.
std::string ErrnoName(int err) {
  switch (err) {
    case ECONNREFUSED: return "ECONNREFUSED";
    case ECONNRESET: return "ECONNRESET";
    case ECONNABORTED: return "ECONNABORTED";
    case EPIPE: return "EPIPE";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EHOSTUNREACH: return "EHOSTUNREACH";
    case ENETUNREACH: return "ENETUNREACH";
    case EHOSTDOWN: return "EHOSTDOWN";
    case ENETDOWN: return "ENETDOWN";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case EADDRINUSE: return "EADDRINUSE";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case ENOBUFS: return "ENOBUFS";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case EPROTO: return "EPROTO";
    default: return "errno-" + std::to_string(err);
  }
}

struct Options {
  std::string mode;
  sockaddr_in addr{};
  std::string host;  // the Host header: the target's address without the port
  std::string out;
  std::string path = "/";
  double rate = 50;
  int64_t timeout_ms = 0;  // 0 until parsed: the default depends on the mode
  int64_t conns = 20;
  int64_t interval_ms = 500;
};

[[noreturn]] void UsageError(const std::string& msg) {
  std::fprintf(stderr, "lab_http_load: %s\n%s", msg.c_str(), kUsage);
  std::exit(2);
}

int64_t ParsePositiveInt(const std::string& flag, std::string_view v) {
  int64_t n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || end != v.data() + v.size() || n <= 0) {
    UsageError(flag + " wants a positive integer, got '" + std::string(v) + "'");
  }
  return n;
}

double ParsePositiveDouble(const std::string& flag, const std::string& v) {
  char* end = nullptr;
  double d = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0' || !std::isfinite(d) || d <= 0) {
    UsageError(flag + " wants a positive number, got '" + v + "'");
  }
  return d;
}

// IPv4 IP:PORT (the lab's addresses). Numeric only: the addresses are literals and
// a resolver would only add a way to hang.
void ParseTarget(const std::string& v, Options* opt) {
  size_t colon = v.rfind(':');
  if (colon == std::string::npos || colon == 0) UsageError("--target wants IP:PORT");
  std::string ip = v.substr(0, colon);
  int64_t p = ParsePositiveInt("--target port", v.substr(colon + 1));
  if (p > 65535) UsageError("--target port out of range");
  opt->addr.sin_family = AF_INET;
  opt->addr.sin_port = htons(static_cast<uint16_t>(p));
  if (inet_pton(AF_INET, ip.c_str(), &opt->addr.sin_addr) != 1) {
    UsageError("--target: bad IPv4 address '" + ip + "'");
  }
  opt->host = ip;
}

void ApplyFlag(const std::string& name, const std::string& value, Options* opt) {
  const bool rate = opt->mode == "rate";
  if (name == "--target") {
    ParseTarget(value, opt);
  } else if (name == "--out") {
    if (value.empty()) UsageError("--out wants a file name");
    opt->out = value;
  } else if (name == "--path") {
    // The path goes verbatim into the request line.
    if (value.empty() || value[0] != '/' || value.find_first_of(" \r\n") != std::string::npos) {
      UsageError("--path wants an absolute path without spaces");
    }
    opt->path = value;
  } else if (name == "--timeout-ms") {
    opt->timeout_ms = ParsePositiveInt(name, value);
  } else if (name == "--rate" && rate) {
    opt->rate = ParsePositiveDouble(name, value);
  } else if (name == "--conns" && !rate) {
    opt->conns = ParsePositiveInt(name, value);
  } else if (name == "--interval-ms" && !rate) {
    opt->interval_ms = ParsePositiveInt(name, value);
  } else {
    UsageError("unknown flag for " + opt->mode + ": " + name);
  }
}

Options ParseArgs(int argc, char** argv) {
  if (argc < 2) UsageError("missing mode");
  Options opt;
  opt.mode = argv[1];
  if (opt.mode != "rate" && opt.mode != "hold") UsageError("unknown mode '" + opt.mode + "'");
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0) UsageError("unexpected argument '" + arg + "'");
    std::string name = arg;
    std::string value;
    if (size_t eq = arg.find('='); eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    } else {
      if (i + 1 >= argc) UsageError(name + " wants a value");
      value = argv[++i];
    }
    ApplyFlag(name, value, &opt);
  }
  if (opt.addr.sin_family != AF_INET) UsageError("--target is required");
  if (opt.out.empty()) UsageError("--out is required");
  if (opt.timeout_ms == 0) opt.timeout_ms = opt.mode == "rate" ? 1000 : 2000;
  if (opt.conns > 100000) UsageError("--conns is unreasonably large");
  return opt;
}

class LogFile {
 public:
  ~LogFile() {
    if (fd_ >= 0) close(fd_);
  }

  bool Open(const std::string& path) {
    fd_ = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    return fd_ >= 0;
  }

  // One write per line: a reader never sees half a line, and nothing sits in a
  // buffer when the process is killed.
  void Line(std::string line) {
    line.push_back('\n');
    const char* p = line.data();
    size_t left = line.size();
    while (left > 0) {
      ssize_t n = write(fd_, p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        if (!warned_) std::perror("lab_http_load: writing the log");
        warned_ = true;
        return;
      }
      p += n;
      left -= n;
    }
  }

 private:
  int fd_ = -1;
  bool warned_ = false;
};

// Parses one HTTP response as bytes arrive. Only what the lab's servers send:
// Content-Length framing, or (HTTP/1.0 style) a body that ends at EOF.
class ResponseParser {
 public:
  explicit ResponseParser(bool eof_delimited_ok) : eof_delimited_ok_(eof_delimited_ok) {}

  void Reset() { *this = ResponseParser(eof_delimited_ok_); }

  // Returns how many of the bytes belong to this response.
  size_t Feed(const char* data, size_t n) {
    size_t used = 0;
    if (state_ == State::kHead) used = FeedHead(data, n);
    if (state_ == State::kBody) used += FeedBody(data + used, n - used);
    received_ += used;
    return used;
  }

  void Eof() {
    if (state_ == State::kHead) {
      Fail(received_ == 0 ? "eof-before-response" : "short-response");
    } else if (state_ == State::kBody) {
      if (remaining_ < 0) {
        state_ = State::kDone;
      } else {
        Fail("short-response");
      }
    }
  }

  bool done() const { return state_ == State::kDone; }
  bool failed() const { return state_ == State::kError; }
  const std::string& error() const { return error_; }
  int status() const { return status_; }
  size_t received() const { return received_; }

  // For the log: printable, bounded, never empty so the line keeps its fields.
  std::string BodyFirstLine() const {
    std::string s;
    for (char c : first_line_) {
      if (c == '\r') continue;
      s.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c);
    }
    return s.empty() ? "-" : s;
  }

 private:
  enum class State { kHead, kBody, kDone, kError };
  static constexpr size_t kMaxHead = 16 * 1024;
  static constexpr size_t kMaxFirstLine = 200;

  void Fail(std::string why) {
    state_ = State::kError;
    error_ = std::move(why);
  }

  size_t FeedHead(const char* data, size_t n) {
    size_t before = head_.size();
    head_.append(data, n);
    // The terminator may straddle two reads, so search a little before the new bytes.
    size_t end = head_.find("\r\n\r\n", before >= 3 ? before - 3 : 0);
    if (end == std::string::npos) {
      if (head_.size() > kMaxHead) Fail("bad-response");
      return n;
    }
    head_.resize(end + 2);  // keep the last header's CRLF for line splitting
    ParseHead();
    return end + 4 - before;
  }

  size_t FeedBody(const char* data, size_t n) {
    size_t take = remaining_ < 0 ? n : std::min<size_t>(n, remaining_);
    for (size_t i = 0; i < take && !first_line_done_; ++i) {
      if (data[i] == '\n' || first_line_.size() >= kMaxFirstLine) {
        first_line_done_ = true;
      } else {
        first_line_.push_back(data[i]);
      }
    }
    if (remaining_ >= 0) {
      remaining_ -= take;
      if (remaining_ == 0) state_ = State::kDone;
    }
    return take;
  }

  void ParseHead() {
    size_t eol = head_.find("\r\n");
    std::string_view status_line(head_.data(), eol);
    // "HTTP/1.x NNN reason"
    if (status_line.rfind("HTTP/", 0) != 0 || status_line.size() < 12 || status_line[8] != ' ' ||
        std::from_chars(status_line.data() + 9, status_line.data() + 12, status_).ec !=
            std::errc()) {
      return Fail("bad-response");
    }
    for (size_t pos = eol + 2; pos < head_.size();) {
      size_t next = head_.find("\r\n", pos);
      if (!ParseHeader(std::string_view(head_).substr(pos, next - pos))) return;
      pos = next + 2;
    }
    if (status_ == 204 || status_ == 304) remaining_ = 0;
    if (remaining_ < 0 && !eof_delimited_ok_) return Fail("no-content-length");
    state_ = remaining_ == 0 ? State::kDone : State::kBody;
  }

  bool ParseHeader(std::string_view line) {
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return true;
    std::string name(line.substr(0, colon));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
      value.remove_prefix(1);
    }
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
      value.remove_suffix(1);
    }
    if (name == "content-length") {
      int64_t len = -1;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), len);
      if (ec != std::errc() || end != value.data() + value.size() || len < 0) {
        Fail("bad-response");
        return false;
      }
      remaining_ = len;
    } else if (name == "transfer-encoding") {
      Fail("chunked-unsupported");
      return false;
    }
    return true;
  }

  bool eof_delimited_ok_;
  State state_ = State::kHead;
  std::string head_;
  std::string first_line_;
  bool first_line_done_ = false;
  int status_ = 0;
  int64_t remaining_ = -1;  // body bytes still due; -1: until EOF
  size_t received_ = 0;
  std::string error_;
};

// Pending deadlines keyed by an id (a request or a connection), earliest first.
class Deadlines {
 public:
  void Set(uint64_t id, int64_t at) {
    Clear(id);
    by_time_.emplace(at, id);
    by_id_[id] = at;
  }

  void Clear(uint64_t id) {
    auto it = by_id_.find(id);
    if (it == by_id_.end()) return;
    by_time_.erase({it->second, id});
    by_id_.erase(it);
  }

  // The epoll_wait timeout that wakes us at the earliest deadline, rounded up so
  // the loop does not spin on a sub-millisecond remainder.
  int TimeoutMs(int64_t now) const {
    if (by_time_.empty()) return -1;
    int64_t wait = by_time_.begin()->first - now;
    if (wait <= 0) return 0;
    return static_cast<int>(std::min<int64_t>((wait + kNsPerMs - 1) / kNsPerMs, INT_MAX));
  }

  std::vector<uint64_t> PopDue(int64_t now) {
    std::vector<uint64_t> due;
    while (!by_time_.empty() && by_time_.begin()->first <= now) {
      due.push_back(by_time_.begin()->second);
      by_id_.erase(by_time_.begin()->second);
      by_time_.erase(by_time_.begin());
    }
    return due;
  }

 private:
  std::set<std::pair<int64_t, uint64_t>> by_time_;
  std::unordered_map<uint64_t, int64_t> by_id_;
};

int SocketError(int fd) {
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) return errno;
  return err;
}

// Starts a non-blocking connect. Returns the fd, or -errno if it failed at once (a
// refused loopback connect or an exhausted port range fails here).
int StartConnect(const Options& opt) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  if (connect(fd, reinterpret_cast<const sockaddr*>(&opt.addr), sizeof opt.addr) < 0 &&
      errno != EINPROGRESS) {
    int err = errno;
    close(fd);
    return -err;
  }
  return fd;
}

// Sends the rest of `data` from *sent. Returns 0 when all is sent, EAGAIN to wait
// for EPOLLOUT, or the errno that broke the connection.
int SendRest(int fd, const std::string& data, size_t* sent) {
  while (*sent < data.size()) {
    ssize_t n = send(fd, data.data() + *sent, data.size() - *sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno == EWOULDBLOCK ? EAGAIN : errno;
    }
    *sent += n;
  }
  return 0;
}

// The epoll loop both modes share: sockets, deadlines, and the stop signals.
class Client {
 public:
  virtual ~Client() {
    if (epoll_fd_ >= 0) close(epoll_fd_);
    if (signal_fd_ >= 0) close(signal_fd_);
  }

  // Returns the exit code.
  int Run() {
    if (!Setup()) return 1;
    Start(MonoNow());
    epoll_event events[64];
    for (;;) {
      int n = epoll_wait(epoll_fd_, events, 64, deadlines_.TimeoutMs(MonoNow()));
      if (n < 0) {
        if (errno == EINTR) continue;
        std::perror("lab_http_load: epoll_wait");
        return 1;
      }
      for (int i = 0; i < n; ++i) {
        if (events[i].data.u64 == kSignalId) {
          OnStop();
          return 0;
        }
        OnReady(events[i].data.u64, events[i].events);
      }
      int64_t now = MonoNow();
      for (uint64_t id : deadlines_.PopDue(now)) OnDeadline(id, now);
    }
  }

 protected:
  Client(const Options& opt, LogFile* log) : opt_(opt), log_(log) {}

  virtual void Start(int64_t now) = 0;
  virtual void OnReady(uint64_t id, uint32_t events) = 0;
  virtual void OnDeadline(uint64_t id, int64_t now) = 0;
  virtual void OnStop() {}

  // Edge-triggered so a socket is registered once for its whole life: no
  // EPOLL_CTL_MOD between connect, send and receive. Handlers therefore always
  // read until EAGAIN.
  bool Watch(int fd, uint64_t id) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.u64 = id;
    return epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) == 0;
  }

  static constexpr uint64_t kSignalId = UINT64_MAX;

  const Options& opt_;
  LogFile* log_;
  Deadlines deadlines_;

 private:
  bool Setup() {
    // The signals are taken through the loop so a stop lands between events, never
    // in the middle of writing a line.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, nullptr);
    signal(SIGPIPE, SIG_IGN);
    signal_fd_ = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
    if (signal_fd_ < 0 || epoll_fd_ < 0) {
      std::perror("lab_http_load: signalfd/epoll_create1");
      return false;
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kSignalId;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, signal_fd_, &ev) < 0) {
      std::perror("lab_http_load: epoll_ctl");
      return false;
    }
    return true;
  }

  int epoll_fd_ = -1;
  int signal_fd_ = -1;
};

class RateClient : public Client {
 public:
  RateClient(const Options& opt, LogFile* log)
      : Client(opt, log),
        request_("GET " + opt.path + " HTTP/1.0\r\nHost: " + opt.host +
                 "\r\nConnection: close\r\n\r\n"),
        period_ns_(kNsPerSec / opt.rate) {}

  ~RateClient() override {
    for (auto& [id, r] : inflight_) close(r.fd);
  }

 private:
  enum class Phase { kConnecting, kSending, kReading };
  struct Request {
    int fd;
    int64_t start_real;
    Phase phase;
    size_t sent = 0;
    ResponseParser parser{/*eof_delimited_ok=*/true};
  };
  static constexpr uint64_t kTickId = UINT64_MAX - 1;

  void Start(int64_t now) override {
    t0_ = now;
    deadlines_.Set(kTickId, now);
  }

  // Request k is due at t0 + k * period, computed from t0 each time so rounding
  // does not accumulate into drift.
  int64_t DueTime(uint64_t k) const { return t0_ + std::llround(k * period_ns_); }

  void OnDeadline(uint64_t id, int64_t now) override {
    if (id != kTickId) return Finish(id, "fail timeout");
    // A late loop (the VM stalled) starts every missed request now: the load is
    // open loop, so the count over time must not depend on our own speed.
    while (DueTime(started_) <= now) {
      ++started_;
      StartRequest();
    }
    deadlines_.Set(kTickId, DueTime(started_));
  }

  void StartRequest() {
    int64_t start = RealNow();
    int fd = StartConnect(opt_);
    if (fd < 0) {
      log_->Line(FormatTime(start) + " " + FormatTime(RealNow()) + " fail " + ErrnoName(-fd));
      return;
    }
    uint64_t id = next_id_++;
    inflight_.emplace(id, Request{fd, start, Phase::kConnecting});
    if (!Watch(fd, id)) return Finish(id, "fail " + ErrnoName(errno));
    deadlines_.Set(id, MonoNow() + opt_.timeout_ms * kNsPerMs);
  }

  void OnReady(uint64_t id, uint32_t events) override {
    auto it = inflight_.find(id);
    if (it == inflight_.end()) return;
    Request& r = it->second;
    if (r.phase == Phase::kConnecting) {
      if (int err = SocketError(r.fd)) return Finish(id, "fail " + ErrnoName(err));
      r.phase = Phase::kSending;
    }
    if (r.phase == Phase::kSending) {
      int err = SendRest(r.fd, request_, &r.sent);
      if (err == EAGAIN) return;
      if (err != 0) return Finish(id, "fail " + ErrnoName(err));
      r.phase = Phase::kReading;
    }
    Receive(id, r);
  }

  void Receive(uint64_t id, Request& r) {
    char buf[16 * 1024];
    for (;;) {
      ssize_t n = read(r.fd, buf, sizeof buf);
      if (n > 0) {
        // Bytes past a Content-Length body are ignored: the server closes anyway.
        r.parser.Feed(buf, n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) return;
      if (n < 0 && !r.parser.done()) return Finish(id, "fail " + ErrnoName(errno));
      // EOF, or a reset after the whole response arrived: judge the response.
      r.parser.Eof();
      return Finish(id, Verdict(r.parser));
    }
  }

  static std::string Verdict(const ResponseParser& p) {
    if (p.failed()) return "fail " + p.error();
    if (p.status() != 200) return "fail status " + std::to_string(p.status());
    return "ok " + p.BodyFirstLine();
  }

  void Finish(uint64_t id, const std::string& outcome) {
    auto it = inflight_.find(id);
    if (it == inflight_.end()) return;
    log_->Line(FormatTime(it->second.start_real) + " " + FormatTime(RealNow()) + " " + outcome);
    close(it->second.fd);  // also drops it from the epoll set
    deadlines_.Clear(id);
    inflight_.erase(it);
  }

  const std::string request_;
  const double period_ns_;
  int64_t t0_ = 0;
  uint64_t started_ = 0;
  uint64_t next_id_ = 0;
  std::unordered_map<uint64_t, Request> inflight_;
};

class HoldClient : public Client {
 public:
  HoldClient(const Options& opt, LogFile* log)
      : Client(opt, log),
        request_("GET " + opt.path + " HTTP/1.1\r\nHost: " + opt.host + "\r\n\r\n"),
        conns_(opt.conns) {}

  ~HoldClient() override {
    for (Conn& c : conns_) {
      if (c.fd >= 0) close(c.fd);
    }
  }

 private:
  enum class Phase { kConnecting, kIdle, kSending, kAwaiting, kClosed };
  // Why a connection broke, for the summary.
  enum class Break { kReset, kTimeout, kEof, kOther };
  struct Conn {
    int fd = -1;
    Phase phase = Phase::kConnecting;
    int64_t next_send = 0;  // monotonic
    int64_t request_start_real = 0;
    size_t sent = 0;
    ResponseParser parser{/*eof_delimited_ok=*/false};
  };

  std::string Tag(uint64_t k) const { return " conn=" + std::to_string(k) + " "; }
  int64_t Timeout() const { return opt_.timeout_ms * kNsPerMs; }

  void Start(int64_t now) override {
    for (uint64_t k = 0; k < conns_.size(); ++k) {
      int fd = StartConnect(opt_);
      if (fd < 0) {
        ConnectFailed(k, ErrnoName(-fd));
        continue;
      }
      conns_[k].fd = fd;
      if (!Watch(fd, k)) {
        ConnectFailed(k, ErrnoName(errno));
        continue;
      }
      deadlines_.Set(k, now + Timeout());
    }
  }

  void ConnectFailed(uint64_t k, const std::string& reason) {
    log_->Line(FormatTime(RealNow()) + " connect-fail" + Tag(k) + reason);
    Close(k);
    Resolved();
  }

  void Established(uint64_t k) {
    conns_[k].phase = Phase::kIdle;
    deadlines_.Clear(k);
    ++established_;
    Resolved();
  }

  // Requests start only once every connect has an answer, staggered over one
  // interval so the servers see a steady trickle rather than bursts.
  void Resolved() {
    if (++resolved_ < conns_.size()) return;
    log_->Line(FormatTime(RealNow()) + " established " + std::to_string(established_));
    int64_t now = MonoNow();
    int64_t interval = opt_.interval_ms * kNsPerMs;
    for (uint64_t k = 0; k < conns_.size(); ++k) {
      if (conns_[k].phase != Phase::kIdle) continue;
      conns_[k].next_send =
          now + interval * static_cast<int64_t>(k) / static_cast<int64_t>(conns_.size());
      deadlines_.Set(k, conns_[k].next_send);
    }
  }

  void OnDeadline(uint64_t k, int64_t now) override {
    switch (conns_[k].phase) {
      case Phase::kConnecting: return ConnectFailed(k, "timeout");
      case Phase::kIdle: return SendRequest(k, now);
      case Phase::kSending:
      case Phase::kAwaiting: return Broke(k, "timeout", Break::kTimeout);
      case Phase::kClosed: return;
    }
  }

  void SendRequest(uint64_t k, int64_t now) {
    Conn& c = conns_[k];
    c.phase = Phase::kSending;
    c.sent = 0;
    c.parser.Reset();
    c.request_start_real = RealNow();
    deadlines_.Set(k, now + Timeout());
    Pump(k);
  }

  void OnReady(uint64_t k, uint32_t events) override {
    Conn& c = conns_[k];
    if (c.phase == Phase::kClosed) return;
    if (c.phase == Phase::kConnecting) {
      if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
      if (int err = SocketError(c.fd)) return ConnectFailed(k, ErrnoName(err));
      Established(k);
    }
    Pump(k);
  }

  void Pump(uint64_t k) {
    Conn& c = conns_[k];
    if (c.phase == Phase::kSending) {
      int err = SendRest(c.fd, request_, &c.sent);
      if (err == EAGAIN) return;  // the next edge resumes here, reading included
      if (err != 0) return Broke(k, ErrnoName(err), Classify(err));
      c.phase = Phase::kAwaiting;
    }
    Receive(k);
  }

  // Also runs while idle, so a server that goes away is noticed (and logged) when
  // it happens rather than at the next request.
  void Receive(uint64_t k) {
    Conn& c = conns_[k];
    char buf[16 * 1024];
    while (c.phase == Phase::kIdle || c.phase == Phase::kAwaiting) {
      ssize_t n = read(c.fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) return;
      if (n < 0) return Broke(k, ErrnoName(errno), Classify(errno));
      if (n == 0) {
        bool partial = c.phase == Phase::kAwaiting && c.parser.received() > 0;
        return Broke(k, partial ? "short-response" : "eof", Break::kEof);
      }
      if (c.phase == Phase::kIdle) return Broke(k, "unexpected-data", Break::kOther);
      size_t used = c.parser.Feed(buf, n);
      if (c.parser.failed()) return Broke(k, c.parser.error(), Break::kOther);
      if (!c.parser.done()) continue;
      Answered(k);
      // One request in flight at a time, so anything after the response is junk.
      if (used < static_cast<size_t>(n)) return Broke(k, "unexpected-data", Break::kOther);
    }
  }

  void Answered(uint64_t k) {
    Conn& c = conns_[k];
    const ResponseParser& p = c.parser;
    // A non-200 answer on a healthy connection fails the request, not the connection.
    std::string outcome = p.status() == 200
                              ? "ok" + Tag(k) + p.BodyFirstLine()
                              : "fail" + Tag(k) + "status " + std::to_string(p.status());
    log_->Line(FormatTime(c.request_start_real) + " " + FormatTime(RealNow()) + " " + outcome);
    c.phase = Phase::kIdle;
    // A slow answer pushes the next request out instead of sending a backlog: one
    // request per interval at most, as a long-lived client would.
    int64_t now = MonoNow();
    c.next_send = std::max(c.next_send + opt_.interval_ms * kNsPerMs, now);
    deadlines_.Set(k, c.next_send);
  }

  static Break Classify(int err) {
    switch (err) {
      case ECONNRESET:
      case ECONNABORTED:
      case EPIPE: return Break::kReset;
      case ETIMEDOUT: return Break::kTimeout;
      default: return Break::kOther;
    }
  }

  void Broke(uint64_t k, const std::string& reason, Break kind) {
    Conn& c = conns_[k];
    bool in_request = c.phase == Phase::kSending || c.phase == Phase::kAwaiting;
    int64_t now = RealNow();
    log_->Line(FormatTime(in_request ? c.request_start_real : now) + " " + FormatTime(now) +
               " fail" + Tag(k) + reason);
    ++broken_;
    if (kind == Break::kReset) ++reset_;
    if (kind == Break::kTimeout) ++timeout_;
    if (kind == Break::kEof) ++eof_;
    Close(k);
  }

  void Close(uint64_t k) {
    Conn& c = conns_[k];
    if (c.fd >= 0) close(c.fd);
    c.fd = -1;
    c.phase = Phase::kClosed;
    deadlines_.Clear(k);
  }

  void OnStop() override {
    log_->Line(FormatTime(RealNow()) + " summary conns=" + std::to_string(established_) +
               " alive=" + std::to_string(established_ - broken_) +
               " broken=" + std::to_string(broken_) + " reset=" + std::to_string(reset_) +
               " timeout=" + std::to_string(timeout_) + " eof=" + std::to_string(eof_));
  }

  const std::string request_;
  std::vector<Conn> conns_;
  size_t resolved_ = 0;
  int64_t established_ = 0;
  int64_t broken_ = 0;
  int64_t reset_ = 0;
  int64_t timeout_ = 0;
  int64_t eof_ = 0;
};

// Every connection holds a descriptor until it ends, and a stalled VM can start
// hundreds of requests at once; the soft limit of 1024 is too tight for that.
void RaiseFdLimit() {
  rlimit lim;
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options opt = ParseArgs(argc, argv);
  LogFile log;
  if (!log.Open(opt.out)) {
    std::fprintf(stderr, "lab_http_load: cannot open %s: %s\n", opt.out.c_str(),
                 std::strerror(errno));
    return 1;
  }
  RaiseFdLimit();
  if (opt.mode == "rate") return RateClient(opt, &log).Run();
  return HoldClient(opt, &log).Run();
}
