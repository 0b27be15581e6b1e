#include "services/checkd/checker_factory.h"

#include "services/checkd/datagram_checker.h"
#include "services/checkd/http_checker.h"
#include "services/checkd/plain_http_checker.h"
#include "services/checkd/misc_checker.h"
#include "services/checkd/smtp_checker.h"
#include "services/checkd/tcp_checker.h"

namespace lvs::checkd {

absl::StatusOr<std::unique_ptr<LoopCheckerFactory>> LoopCheckerFactory::Create(
    event::EventLoop* loop) {
  auto curl = CurlMulti::Create(loop);
  if (!curl.ok()) return curl.status();
  return std::unique_ptr<LoopCheckerFactory>(new LoopCheckerFactory(loop, *std::move(curl)));
}

absl::StatusOr<IcmpPinger*> LoopCheckerFactory::Pinger(bool ipv6) {
  std::unique_ptr<IcmpPinger>& pinger = ipv6 ? pinger6_ : pinger4_;
  if (!pinger) {
    auto created = IcmpPinger::Create(loop_, ipv6);
    if (!created.ok()) return created.status();
    pinger = *std::move(created);
  }
  return pinger.get();
}

absl::StatusOr<std::unique_ptr<Checker>> LoopCheckerFactory::Create(const CheckerSpec& spec) {
  switch (spec.kind) {
    case CheckKind::kTcp: return std::make_unique<TcpChecker>(loop_, spec);
    case CheckKind::kHttp: return std::make_unique<PlainHttpChecker>(loop_, spec);
    case CheckKind::kSsl: return std::make_unique<HttpChecker>(curl_.get(), spec);
    case CheckKind::kMisc: {
      auto misc = MiscChecker::Create(loop_, spec);
      if (!misc.ok()) return misc.status();
      return std::unique_ptr<Checker>(*std::move(misc));
    }
    case CheckKind::kPing: {
      auto pinger = Pinger(spec.connect_ip.find(':') != std::string::npos);
      if (!pinger.ok()) return pinger.status();
      return std::make_unique<PingChecker>(loop_, *pinger, spec);
    }
    case CheckKind::kUdp: {
      auto exchange = std::make_unique<UdpExchange>(spec.udp);
      const size_t size = exchange->receive_size();
      return std::make_unique<DatagramChecker>(loop_, spec, std::move(exchange), size);
    }
    case CheckKind::kDns:
      return std::make_unique<DatagramChecker>(
          loop_, spec,
          std::make_unique<DnsExchange>(spec.dns_name, spec.dns_type,
                                        [this] { return static_cast<uint16_t>(dns_ids_()); }),
          65536);
    case CheckKind::kSmtp: return std::make_unique<SmtpChecker>(loop_, spec);
    case CheckKind::kFile: {
      if (!file_watcher_) {
        auto watcher = FileWatcher::Create(loop_);
        if (!watcher.ok()) return watcher.status();
        file_watcher_ = *std::move(watcher);
      }
      if (spec.file_init && initialised_files_.insert(spec.file_path).second) {
        track::InitTrackedFile(spec.file_path, spec.file_init_value, spec.file_init_overwrite);
      }
      return std::make_unique<FileChecker>(file_watcher_.get(), spec);
    }
  }
  return absl::InvalidArgumentError("unknown checker kind");
}

}  // namespace lvs::checkd
